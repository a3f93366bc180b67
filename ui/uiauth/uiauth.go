// Package uiauth holds the user and session types of the dashboard's
// authentication, so that session stores and OAuth providers can be
// written without importing package ui. Package ui names the same types
// (ui.User, ui.Session, ui.ErrSessionNotFound).
package uiauth

import "errors"
import "time"

// ErrSessionNotFound is returned when a session token is not found in the store.
var ErrSessionNotFound = errors.New("session not found")

// User is a user signed in through an OAuth/SSO provider.
type User struct {
	ID        string `json:"id"`
	Provider  string `json:"provider"`
	Name      string `json:"name"`
	AvatarURL string `json:"avatar_url"`
	Email     string `json:"email"`
}

// Session is a signed-in user's session.
type Session struct {
	Token     string
	User      User
	CreatedAt time.Time
	ExpiresAt time.Time
}
