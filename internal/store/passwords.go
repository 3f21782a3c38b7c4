package store

import (
	"context"
	"database/sql"
)

// UserWithPasswordHash returns the user whose email is email, ignoring
// case (an exact match first), with the user's password hash: empty when
// the user has no password.
func (s *Store) UserWithPasswordHash(ctx context.Context, email string) (User, string, error) {
	var hash sql.NullString
	var u User
	var created int64
	err := s.read.QueryRowContext(ctx, s.rebind(
		`SELECT `+userColumns+`, password_hash FROM users
		 WHERE lower(email) = lower(?) ORDER BY email = ? DESC, id LIMIT 1`), email, email).
		Scan(&u.ID, &u.UUID, &u.Email, &u.FirstName, &u.LastName, &u.DistinctID, &u.IsEmailVerified, &created, &hash)
	if err != nil {
		return u, "", notFound(err)
	}
	u.CreatedAt = fromMicros(created)
	return u, hash.String, nil
}

// SetPasswordHash sets the user's password hash and ends every session of
// the user, in one transaction. It returns how many sessions it ended.
func (s *Store) SetPasswordHash(ctx context.Context, userID int64, hash string) (int64, error) {
	var ended int64
	err := s.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE users SET password_hash = ? WHERE id = ?`), nullString(hash), userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		res, err = tx.ExecContext(ctx, s.rebind(`DELETE FROM user_sessions WHERE user_id = ?`), userID)
		if err != nil {
			return err
		}
		ended, err = res.RowsAffected()
		return err
	})
	return ended, err
}

// nullString stores an empty string as NULL.
func nullString(v string) sql.NullString {
	return sql.NullString{String: v, Valid: v != ""}
}
