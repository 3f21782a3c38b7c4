package store

import (
	"context"
	"strings"
	"time"
)

// APIKey is a personal API key. Only a hash of the key (SecureValue) is kept.
type APIKey struct {
	ID          int64
	UserID      int64
	Label       string
	SecureValue string
	MaskValue   string
	Scopes      []string
	// Projects limits the key to these project ids; empty means every
	// project the user can reach.
	Projects   []int64
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// CreateAPIKey inserts a key and fills in its id.
func (s *Store) CreateAPIKey(ctx context.Context, k *APIKey) error {
	err := s.write.QueryRowContext(ctx, s.rebind(
		`INSERT INTO personal_api_keys (user_id, label, secure_value, mask_value, scopes, projects, created_at)
		 VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		k.UserID, k.Label, k.SecureValue, k.MaskValue, strings.Join(k.Scopes, ","), joinIDs(k.Projects),
		micros(k.CreatedAt)).Scan(&k.ID)
	if isUnique(err) {
		return ErrConflict
	}
	return err
}

const apiKeyColumns = `id, user_id, label, secure_value, mask_value, scopes, projects, created_at, last_used_at`

func scanAPIKey(sc interface{ Scan(...any) error }) (APIKey, error) {
	var k APIKey
	var scopes, projects string
	var created int64
	var used *int64
	if err := sc.Scan(&k.ID, &k.UserID, &k.Label, &k.SecureValue, &k.MaskValue, &scopes, &projects, &created, &used); err != nil {
		return k, notFound(err)
	}
	if scopes != "" {
		k.Scopes = strings.Split(scopes, ",")
	}
	k.Projects = splitIDs(projects)
	k.CreatedAt = fromMicros(created)
	if used != nil {
		t := fromMicros(*used)
		k.LastUsedAt = &t
	}
	return k, nil
}

// APIKeyBySecureValue finds a key by its hash and returns it with its owner.
func (s *Store) APIKeyBySecureValue(ctx context.Context, secureValue string) (APIKey, User, error) {
	k, err := scanAPIKey(s.read.QueryRowContext(ctx, s.rebind(
		`SELECT `+apiKeyColumns+` FROM personal_api_keys WHERE secure_value = ?`), secureValue))
	if err != nil {
		return k, User{}, err
	}
	u, err := scanUser(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+userColumns+` FROM users WHERE id = ?`), k.UserID))
	return k, u, err
}

// APIKeys lists every key, oldest first.
func (s *Store) APIKeys(ctx context.Context) ([]APIKey, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM personal_api_keys ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAPIKey)
}

// DeleteAPIKey revokes a key for good.
func (s *Store) DeleteAPIKey(ctx context.Context, id int64) error {
	res, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM personal_api_keys WHERE id = ?`), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	return nil
}

// TouchAPIKey records that the key was used at t.
func (s *Store) TouchAPIKey(ctx context.Context, id int64, t time.Time) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`UPDATE personal_api_keys SET last_used_at = ? WHERE id = ?`), micros(t), id)
	return err
}
