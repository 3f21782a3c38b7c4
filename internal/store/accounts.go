package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Organization groups users and projects.
type Organization struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Project owns recordings and playlists; its APIToken authenticates capture.
type Project struct {
	ID             int64
	UUID           string
	OrganizationID string
	Name           string
	APIToken       string
	Timezone       string
	// RetentionDays is how long the project's recordings are kept.
	RetentionDays int
	CreatedAt     time.Time
}

// User is a person who uses the API.
type User struct {
	ID              int64
	UUID            string
	Email           string
	FirstName       string
	LastName        string
	DistinctID      string
	IsEmailVerified bool
	CreatedAt       time.Time
}

// CreateOrganization inserts an organization.
func (s *Store) CreateOrganization(ctx context.Context, o Organization) error {
	_, err := s.write.ExecContext(ctx, s.rebind(
		`INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)`),
		o.ID, o.Name, micros(o.CreatedAt))
	return err
}

// CreateFirstOrganization creates the organization and its project when
// the store has no organization yet, atomically, and reports whether it did.
func (s *Store) CreateFirstOrganization(ctx context.Context, o Organization, p *Project) (bool, error) {
	created := false
	err := s.tx(ctx, func(tx *sql.Tx) error {
		if err := s.lockTx(ctx, tx, "first-organization"); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM organizations`).Scan(&n); err != nil || n > 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO organizations (id, name, created_at) VALUES (?, ?, ?)`),
			o.ID, o.Name, micros(o.CreatedAt)); err != nil {
			return err
		}
		created = true
		return tx.QueryRowContext(ctx, s.rebind(
			`INSERT INTO projects (uuid, organization_id, name, api_token, timezone, retention_days, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			p.UUID, o.ID, p.Name, p.APIToken, p.Timezone, retentionOf(p), micros(p.CreatedAt)).Scan(&p.ID)
	})
	return created && err == nil, err
}

// Organization returns one organization by id.
func (s *Store) Organization(ctx context.Context, id string) (Organization, error) {
	return s.scanOrganization(s.read.QueryRowContext(ctx, s.rebind(
		`SELECT id, name, created_at FROM organizations WHERE id = ?`), id))
}

// FirstOrganization returns the oldest organization.
func (s *Store) FirstOrganization(ctx context.Context) (Organization, error) {
	return s.scanOrganization(s.read.QueryRowContext(ctx,
		`SELECT id, name, created_at FROM organizations ORDER BY created_at, id LIMIT 1`))
}

// UserOrganizations lists the organizations the user belongs to, oldest
// first.
func (s *Store) UserOrganizations(ctx context.Context, userID int64) ([]Organization, error) {
	rows, err := s.read.QueryContext(ctx, s.rebind(
		`SELECT o.id, o.name, o.created_at FROM organizations o
		 JOIN memberships m ON m.organization_id = o.id AND m.user_id = ?
		 ORDER BY o.created_at, o.id`), userID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(sc interface{ Scan(...any) error }) (Organization, error) {
		var o Organization
		var created int64
		err := sc.Scan(&o.ID, &o.Name, &created)
		o.CreatedAt = fromMicros(created)
		return o, err
	})
}

func (s *Store) scanOrganization(row *sql.Row) (Organization, error) {
	var o Organization
	var created int64
	if err := row.Scan(&o.ID, &o.Name, &created); err != nil {
		return o, notFound(err)
	}
	o.CreatedAt = fromMicros(created)
	return o, nil
}

// CreateProject inserts a project and fills in its id.
func (s *Store) CreateProject(ctx context.Context, p *Project) error {
	err := s.write.QueryRowContext(ctx, s.rebind(
		`INSERT INTO projects (uuid, organization_id, name, api_token, timezone, retention_days, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		p.UUID, p.OrganizationID, p.Name, p.APIToken, p.Timezone, retentionOf(p), micros(p.CreatedAt)).Scan(&p.ID)
	if isUnique(err) {
		return ErrConflict
	}
	return err
}

const projectColumns = `p.id, p.uuid, p.organization_id, p.name, p.api_token, p.timezone, p.retention_days, p.created_at`

func scanProject(sc interface{ Scan(...any) error }) (Project, error) {
	var p Project
	var created int64
	if err := sc.Scan(&p.ID, &p.UUID, &p.OrganizationID, &p.Name, &p.APIToken, &p.Timezone, &p.RetentionDays, &created); err != nil {
		return p, notFound(err)
	}
	p.CreatedAt = fromMicros(created)
	return p, nil
}

// Project returns one project by id.
func (s *Store) Project(ctx context.Context, id int64) (Project, error) {
	return scanProject(s.read.QueryRowContext(ctx, s.rebind(
		`SELECT `+projectColumns+` FROM projects p WHERE p.id = ?`), id))
}

// Projects lists every project, oldest first.
func (s *Store) Projects(ctx context.Context) ([]Project, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+projectColumns+` FROM projects p ORDER BY p.id`)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanProject)
}

// UserProjects lists the projects of the user's organizations, oldest
// first; when only is not empty, just those projects among them.
func (s *Store) UserProjects(ctx context.Context, userID int64, only []int64) ([]Project, error) {
	q := `SELECT ` + projectColumns + ` FROM projects p
		JOIN memberships m ON m.organization_id = p.organization_id AND m.user_id = ?`
	args := []any{userID}
	if len(only) > 0 {
		q += ` WHERE p.id IN (` + placeholders(len(only)) + `)`
		for _, id := range only {
			args = append(args, id)
		}
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(q+` ORDER BY p.id`), args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanProject)
}

// IsMember reports whether the user belongs to the organization.
func (s *Store) IsMember(ctx context.Context, organizationID string, userID int64) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, s.rebind(
		`SELECT COUNT(*) FROM memberships WHERE organization_id = ? AND user_id = ?`),
		organizationID, userID).Scan(&n)
	return n > 0, err
}

// CreateUser inserts a user as a member of the organization, filling in its id.
func (s *Store) CreateUser(ctx context.Context, u *User, organizationID string) error {
	return s.CreateUserWithPassword(ctx, u, organizationID, "")
}

// CreateUserWithPassword inserts a user with a password hash (none when
// empty) as a member of the organization, filling in its id.
func (s *Store) CreateUserWithPassword(ctx context.Context, u *User, organizationID, passwordHash string) error {
	return s.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.rebind(
			`INSERT INTO users (uuid, email, first_name, last_name, distinct_id, is_email_verified, password_hash, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			u.UUID, u.Email, u.FirstName, u.LastName, u.DistinctID, u.IsEmailVerified, nullString(passwordHash),
			micros(u.CreatedAt)).Scan(&u.ID)
		if isUnique(err) {
			return ErrConflict
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.rebind(
			`INSERT INTO memberships (organization_id, user_id, created_at) VALUES (?, ?, ?)`),
			organizationID, u.ID, micros(u.CreatedAt))
		return err
	})
}

const userColumns = `id, uuid, email, first_name, last_name, distinct_id, is_email_verified, created_at`

func scanUser(sc interface{ Scan(...any) error }) (User, error) {
	var u User
	var created int64
	if err := sc.Scan(&u.ID, &u.UUID, &u.Email, &u.FirstName, &u.LastName, &u.DistinctID, &u.IsEmailVerified, &created); err != nil {
		return u, notFound(err)
	}
	u.CreatedAt = fromMicros(created)
	return u, nil
}

// UserByEmail returns the user with that email.
func (s *Store) UserByEmail(ctx context.Context, email string) (User, error) {
	return scanUser(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+userColumns+` FROM users WHERE email = ?`), email))
}

// FirstUser returns the oldest user.
func (s *Store) FirstUser(ctx context.Context) (User, error) {
	return scanUser(s.read.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY id LIMIT 1`))
}

// notFound maps sql.ErrNoRows to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// collect scans every row with scan.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// DefaultRetentionDays is how long a new project keeps its recordings.
const DefaultRetentionDays = 30

// retentionOf fills in the default retention of a new project.
func retentionOf(p *Project) int {
	if p.RetentionDays <= 0 {
		p.RetentionDays = DefaultRetentionDays
	}
	return p.RetentionDays
}

// SetRetention sets how many days the project's recordings are kept.
func (s *Store) SetRetention(ctx context.Context, projectID int64, days int) error {
	res, err := s.write.ExecContext(ctx, s.rebind(`UPDATE projects SET retention_days = ? WHERE id = ?`), days, projectID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// ProjectByToken returns the project whose API token is token.
func (s *Store) ProjectByToken(ctx context.Context, token string) (Project, error) {
	return scanProject(s.read.QueryRowContext(ctx, s.rebind(
		`SELECT `+projectColumns+` FROM projects p WHERE p.api_token = ?`), token))
}
