package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tapedeck/tapedeck/internal/apierror"
	"github.com/tapedeck/tapedeck/internal/auth"
	"github.com/tapedeck/tapedeck/internal/store"
)

var bearer = regexp.MustCompile(`^Bearer\s+(\S.*)$`)

// findKey looks for a personal API key where PostHog does: the
// Authorization header, then the body, then the query string. It returns
// the key and where it was found.
func (c *call) findKey() (string, string) {
	if m := bearer.FindStringSubmatch(c.r.Header.Get("Authorization")); m != nil {
		return strings.TrimSpace(m[1]), "Authorization header"
	}
	if raw, ok := c.body.fields["personal_api_key"]; ok {
		var k string
		json.Unmarshal(raw, &k)
		return k, "body"
	}
	if q := c.r.URL.Query(); q.Has("personal_api_key") {
		return q.Get("personal_api_key"), "query string"
	}
	return "", ""
}

// authenticate finds the caller: a personal API key wherever PostHog looks
// for one, else the session cookie of a signed-in browser.
func (s *Server) authenticate(c *call) error {
	if key, source := c.findKey(); source != "" {
		return s.authenticateKey(c, key, source)
	}
	return s.authenticateSession(c)
}

// authenticateKey checks a personal API key and the key's rate limit.
func (s *Server) authenticateKey(c *call, key, source string) error {
	k, u, err := s.store.APIKeyBySecureValue(c.r.Context(), auth.HashKey(key))
	if errors.Is(err, store.ErrNotFound) {
		return apierror.AuthenticationFailed(fmt.Sprintf("Personal API key found in request %s is invalid.", source))
	} else if err != nil {
		return err
	}
	c.via, c.key, c.user = personalKey, k, u
	c.scopes, c.projects = k.Scopes, k.Projects
	if wait := s.limiter.take(k.ID, s.now()); wait > 0 {
		seconds := int((wait + time.Second - 1) / time.Second)
		c.w.Header().Set("Retry-After", strconv.Itoa(seconds))
		return apierror.Throttled(seconds)
	}
	// Record use at most once an hour, so that reads stay reads.
	if now := s.now(); k.LastUsedAt == nil || now.Sub(*k.LastUsedAt) > time.Hour {
		if err := s.store.TouchAPIKey(c.r.Context(), k.ID, now); err != nil {
			s.log.Warn("record key use", "key", k.ID, "err", err)
		}
	}
	return nil
}

// authorizeProject resolves {project_id} and checks, in order, that the
// project exists, that the caller belongs to its organization, that the
// caller is not limited to other projects, and that it has the scope. Only
// a personal API key can be limited or lack a scope.
func (s *Server) authorizeProject(c *call, scope string) error {
	ctx := c.r.Context()
	raw := c.r.PathValue("project_id")
	if raw == "@current" {
		projects, err := s.store.UserProjects(ctx, c.user.ID, c.projects)
		if err != nil {
			return err
		}
		if len(projects) == 0 {
			return apierror.NotFound("Project not found.")
		}
		c.project = projects[0]
	} else {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			return apierror.NotFound("Project not found.")
		}
		if c.project, err = s.store.Project(ctx, id); errors.Is(err, store.ErrNotFound) {
			return apierror.NotFound("Project not found.")
		} else if err != nil {
			return err
		}
	}
	member, err := s.store.IsMember(ctx, c.project.OrganizationID, c.user.ID)
	if err != nil {
		return err
	}
	if !member {
		return apierror.PermissionDenied("You don't have access to the project.")
	}
	if len(c.projects) > 0 && !slices.Contains(c.projects, c.project.ID) {
		return apierror.PermissionDenied(fmt.Sprintf("API key does not have access to the requested project: ID %d.", c.project.ID))
	}
	if !auth.HasScope(c.scopes, scope) {
		return apierror.PermissionDenied(fmt.Sprintf("API key missing required scope '%s'", scope))
	}
	return nil
}
