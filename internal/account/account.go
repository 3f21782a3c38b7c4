// Package account creates the things an administrator manages:
// organizations, projects, users and personal API keys.
package account

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tapedeck/tapedeck/internal/auth"
	"github.com/tapedeck/tapedeck/internal/store"
)

// InvalidError is an argument that cannot be used; its message says why.
type InvalidError struct{ msg string }

func (e *InvalidError) Error() string { return e.msg }

func invalid(format string, args ...any) error {
	return &InvalidError{fmt.Sprintf(format, args...)}
}

// Service creates accounts in the store.
type Service struct {
	Store *store.Store
	Now   func() time.Time
}

// CreateOrganization makes an organization.
func (s Service) CreateOrganization(ctx context.Context, name string) (store.Organization, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 {
		return store.Organization{}, invalid("an organization name takes 1 to 64 characters")
	}
	o := store.Organization{ID: uuid.Must(uuid.NewV7()).String(), Name: name, CreatedAt: s.Now()}
	return o, s.Store.CreateOrganization(ctx, o)
}

// CreateProject makes a project with a fresh API token in the organization
// (the first one when organizationID is empty).
func (s Service) CreateProject(ctx context.Context, name, organizationID string) (store.Project, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return store.Project{}, invalid("a project name takes 1 to 200 characters")
	}
	org, err := s.organization(ctx, organizationID)
	if err != nil {
		return store.Project{}, err
	}
	p := store.Project{UUID: uuid.Must(uuid.NewV7()).String(), OrganizationID: org.ID, Name: name,
		APIToken: auth.NewProjectToken(), Timezone: "UTC", CreatedAt: s.Now()}
	return p, s.Store.CreateProject(ctx, &p)
}

// NewUser is what CreateUser needs.
type NewUser struct {
	Email          string
	FirstName      string
	LastName       string
	OrganizationID string
	// Password lets the user sign in to the web UI; empty means none.
	Password string
}

// CreateUser makes a user, a member of the organization (the first one
// when none is named).
func (s Service) CreateUser(ctx context.Context, n NewUser) (store.User, error) {
	addr, err := mail.ParseAddress(n.Email)
	if err != nil || addr.Address != n.Email {
		return store.User{}, invalid("%q is not an email address", n.Email)
	}
	var hash string
	if n.Password != "" {
		if err := auth.CheckPasswordRules(n.Password); err != nil {
			return store.User{}, invalid("%v", err)
		}
		hash = auth.HashPassword(n.Password)
	}
	org, err := s.organization(ctx, n.OrganizationID)
	if err != nil {
		return store.User{}, err
	}
	u := store.User{UUID: uuid.Must(uuid.NewV7()).String(), Email: n.Email, FirstName: n.FirstName,
		LastName: n.LastName, DistinctID: auth.RandomString(43, auth.Alphanumeric), CreatedAt: s.Now()}
	if err := s.Store.CreateUserWithPassword(ctx, &u, org.ID, hash); errors.Is(err, store.ErrConflict) {
		return u, invalid("a user with email %s exists already", n.Email)
	} else if err != nil {
		return u, err
	}
	return u, nil
}

// SetPassword sets the password of the user with that email and ends the
// user's sessions, so that a changed password signs every browser out. It
// returns the user and how many sessions it ended.
func (s Service) SetPassword(ctx context.Context, email, password string) (store.User, int64, error) {
	if err := auth.CheckPasswordRules(password); err != nil {
		return store.User{}, 0, invalid("%v", err)
	}
	u, err := s.Store.UserByEmail(ctx, email)
	if errors.Is(err, store.ErrNotFound) {
		return u, 0, invalid("no user has email %s", email)
	} else if err != nil {
		return u, 0, err
	}
	ended, err := s.Store.SetPasswordHash(ctx, u.ID, auth.HashPassword(password))
	return u, ended, err
}

// NewAPIKey is what CreateAPIKey needs.
type NewAPIKey struct {
	// UserEmail names the owner; empty means the first user.
	UserEmail string
	Label     string
	// Scopes is a comma-separated list; empty means "*".
	Scopes string
	// Projects limits the key to these projects; empty means all.
	Projects []int64
}

// CreateAPIKey makes a personal API key and returns it with the key itself,
// which is not stored and cannot be shown again.
func (s Service) CreateAPIKey(ctx context.Context, n NewAPIKey) (store.APIKey, string, error) {
	if n.Scopes == "" {
		n.Scopes = auth.ScopeAll
	}
	scopes, err := auth.ParseScopes(n.Scopes)
	if err != nil {
		return store.APIKey{}, "", invalid("%v", err)
	}
	var owner store.User
	if n.UserEmail == "" {
		owner, err = s.Store.FirstUser(ctx)
	} else {
		owner, err = s.Store.UserByEmail(ctx, n.UserEmail)
	}
	if errors.Is(err, store.ErrNotFound) {
		if n.UserEmail == "" {
			return store.APIKey{}, "", invalid("there is no user yet: create one with 'tapedeck user create --email EMAIL'")
		}
		return store.APIKey{}, "", invalid("no user has email %s", n.UserEmail)
	} else if err != nil {
		return store.APIKey{}, "", err
	}
	for _, id := range n.Projects {
		if _, err := s.Store.Project(ctx, id); errors.Is(err, store.ErrNotFound) {
			return store.APIKey{}, "", invalid("there is no project %d", id)
		} else if err != nil {
			return store.APIKey{}, "", err
		}
	}
	key, secure, mask := auth.NewPersonalAPIKey()
	k := store.APIKey{UserID: owner.ID, Label: n.Label, SecureValue: secure, MaskValue: mask,
		Scopes: scopes, Projects: n.Projects, CreatedAt: s.Now()}
	return k, key, s.Store.CreateAPIKey(ctx, &k)
}

// EnsureDefaults creates a default organization and project when the store
// has no organization yet. It returns the project and whether it made it;
// when several processes try at once, one of them makes it.
func (s Service) EnsureDefaults(ctx context.Context) (store.Project, bool, error) {
	now := s.Now()
	org := store.Organization{ID: uuid.Must(uuid.NewV7()).String(), Name: "Default organization", CreatedAt: now}
	p := store.Project{UUID: uuid.Must(uuid.NewV7()).String(), OrganizationID: org.ID, Name: "Default project",
		APIToken: auth.NewProjectToken(), Timezone: "UTC", CreatedAt: now}
	created, err := s.Store.CreateFirstOrganization(ctx, org, &p)
	if err != nil || !created {
		return store.Project{}, false, err
	}
	return p, true, nil
}

func (s Service) organization(ctx context.Context, id string) (store.Organization, error) {
	if id == "" {
		if _, _, err := s.EnsureDefaults(ctx); err != nil {
			return store.Organization{}, err
		}
		return s.Store.FirstOrganization(ctx)
	}
	o, err := s.Store.Organization(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return o, invalid("there is no organization %s", id)
	}
	return o, err
}
