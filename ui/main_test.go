package ui

import (
	"testing"

	"github.com/yakser/asynqpg/internal/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
