package ingest

import (
	"context"
	"sync"
	"time"

	"github.com/tapedeck/tapedeck/internal/store"
)

// ProjectTTL is how long a project found by its token is reused without
// asking the store again: a token that stops naming a project (its project
// deleted, or the token changed, by this server or by another process on
// the same store) is still accepted for at most this long. Unknown tokens
// are not remembered, so a new project's token is accepted at once.
const ProjectTTL = 10 * time.Second

// maxCachedProjects bounds the tokens remembered at once.
const maxCachedProjects = 4096

// projectCache remembers the projects of capture tokens for ProjectTTL:
// every capture request names its project by token, and reading it from
// the store costs about as much as decoding a small request.
type projectCache struct {
	// clock is the cache's own: entries expire in real time whatever clock
	// the service stamps its rows with.
	clock func() time.Time

	mu      sync.RWMutex
	byToken map[string]cachedProject
}

// cachedProject is one remembered project and when it stops being used.
type cachedProject struct {
	project store.Project
	expires time.Time
}

func newProjectCache() *projectCache {
	return &projectCache{clock: time.Now, byToken: map[string]cachedProject{}}
}

// get returns the project remembered for token, if it has not expired.
func (c *projectCache) get(token string, now time.Time) (store.Project, bool) {
	c.mu.RLock()
	e, ok := c.byToken[token]
	c.mu.RUnlock()
	if !ok || !now.Before(e.expires) {
		return store.Project{}, false
	}
	return e.project, true
}

// put remembers the project of token until now + ProjectTTL. When the
// cache is full, expired entries go first, and everything if none has.
func (c *projectCache) put(token string, p store.Project, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.byToken[token]; !ok && len(c.byToken) >= maxCachedProjects {
		for t, e := range c.byToken {
			if !now.Before(e.expires) {
				delete(c.byToken, t)
			}
		}
		if len(c.byToken) >= maxCachedProjects {
			clear(c.byToken)
		}
	}
	c.byToken[token] = cachedProject{project: p, expires: now.Add(ProjectTTL)}
}

// ProjectByToken returns the project whose capture token is token, as
// store.ProjectByToken does (store.ErrNotFound for an unknown token), but
// answers from memory for ProjectTTL after a lookup found it.
func (s *Service) ProjectByToken(ctx context.Context, token string) (store.Project, error) {
	now := s.projects.clock()
	if p, ok := s.projects.get(token, now); ok {
		return p, nil
	}
	p, err := s.store.ProjectByToken(ctx, token)
	if err != nil {
		return p, err
	}
	s.projects.put(token, p, now)
	return p, nil
}
