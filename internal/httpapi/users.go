package httpapi

import "net/http"

// meJSON is the signed-in user with the first organization and the
// projects the caller may use.
type meJSON struct {
	userJSON
	Organization *organizationJSON `json:"organization"`
	Projects     []projectRefJSON  `json:"projects"`
}

// organizationJSON names an organization.
type organizationJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// projectRefJSON names a project.
type projectRefJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// me describes the caller: who they are, their first organization and the
// projects they may use (for a personal API key, those it is limited to).
func (s *Server) me(c *call) error {
	ctx := c.r.Context()
	orgs, err := s.store.UserOrganizations(ctx, c.user.ID)
	if err != nil {
		return err
	}
	projects, err := s.store.UserProjects(ctx, c.user.ID, c.projects)
	if err != nil {
		return err
	}
	out := meJSON{userJSON: *userView(&c.user), Projects: make([]projectRefJSON, 0, len(projects))}
	if len(orgs) > 0 {
		out.Organization = &organizationJSON{ID: orgs[0].ID, Name: orgs[0].Name}
	}
	for _, p := range projects {
		out.Projects = append(out.Projects, projectRefJSON{ID: p.ID, Name: p.Name})
	}
	return c.json(http.StatusOK, out)
}
