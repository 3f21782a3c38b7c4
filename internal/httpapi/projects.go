package httpapi

import "net/http"

// listProjects lists the projects the caller may use, paginated.
func (s *Server) listProjects(c *call) error {
	p, err := c.readPage(100, 500)
	if err != nil {
		return err
	}
	projects, err := s.store.UserProjects(c.r.Context(), c.user.ID, c.projects)
	if err != nil {
		return err
	}
	results := []projectJSON{}
	for i := p.offset; i < len(projects) && i < p.offset+p.limit; i++ {
		results = append(results, projectView(projects[i]))
	}
	return c.json(http.StatusOK, c.paginated(p, len(projects), results))
}

// getProject returns the project of the path.
func (s *Server) getProject(c *call) error {
	return c.json(http.StatusOK, projectView(c.project))
}
