package ui

import "testing"

import "github.com/yakser/asynqpg/internal/testdb"

func TestMain(m *testing.M) { testdb.Main(m) }
