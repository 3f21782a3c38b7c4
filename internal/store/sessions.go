package store

import (
	"context"
	"time"
)

// UserSession is a browser session of a user. Only a hash of its token
// (TokenHash) is kept.
type UserSession struct {
	ID         int64
	TokenHash  string
	UserID     int64
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
}

// CreateUserSession inserts a session and fills in its id.
func (s *Store) CreateUserSession(ctx context.Context, us *UserSession) error {
	err := s.write.QueryRowContext(ctx, s.rebind(
		`INSERT INTO user_sessions (token_hash, user_id, created_at, last_seen_at, expires_at)
		 VALUES (?, ?, ?, ?, ?) RETURNING id`),
		us.TokenHash, us.UserID, micros(us.CreatedAt), micros(us.LastSeenAt), micros(us.ExpiresAt)).Scan(&us.ID)
	if isUnique(err) {
		return ErrConflict
	}
	return err
}

// UserSessionByTokenHash finds a session by its token's hash, whether or
// not it has expired, and returns it with its user.
func (s *Store) UserSessionByTokenHash(ctx context.Context, tokenHash string) (UserSession, User, error) {
	us := UserSession{TokenHash: tokenHash}
	var u User
	var created, seen, expires, userCreated int64
	err := s.read.QueryRowContext(ctx, s.rebind(
		`SELECT s.id, s.user_id, s.created_at, s.last_seen_at, s.expires_at,
		        u.id, u.uuid, u.email, u.first_name, u.last_name, u.distinct_id, u.is_email_verified, u.created_at
		 FROM user_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`), tokenHash).
		Scan(&us.ID, &us.UserID, &created, &seen, &expires,
			&u.ID, &u.UUID, &u.Email, &u.FirstName, &u.LastName, &u.DistinctID, &u.IsEmailVerified, &userCreated)
	if err != nil {
		return us, u, notFound(err)
	}
	us.CreatedAt, us.LastSeenAt, us.ExpiresAt = fromMicros(created), fromMicros(seen), fromMicros(expires)
	u.CreatedAt = fromMicros(userCreated)
	return us, u, nil
}

// TouchUserSession records that the session was used at t.
func (s *Store) TouchUserSession(ctx context.Context, id int64, t time.Time) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`UPDATE user_sessions SET last_seen_at = ? WHERE id = ?`), micros(t), id)
	return err
}

// DeleteUserSession ends the session whose token has this hash; ending
// one that does not exist is not an error.
func (s *Store) DeleteUserSession(ctx context.Context, tokenHash string) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM user_sessions WHERE token_hash = ?`), tokenHash)
	return err
}

// DeleteExpiredUserSessions removes every session that expired at or
// before now and returns how many it removed.
func (s *Store) DeleteExpiredUserSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM user_sessions WHERE expires_at <= ?`), micros(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
