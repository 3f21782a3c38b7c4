package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tapedeck/tapedeck/internal/account"
	"github.com/tapedeck/tapedeck/internal/store"
)

// admin is what the administration commands work with.
type admin struct {
	accounts account.Service
	store    *store.Store
	stdin    io.Reader
	stdout   io.Writer
}

// usageError marks bad arguments, which exit with code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue usageError
	var ie *account.InvalidError
	if errors.As(err, &ue) || errors.As(err, &ie) {
		return 2
	}
	return 1
}

// commands are the administration commands by name.
var commands = map[string]func(context.Context, admin, []string) error{
	"migrate": func(ctx context.Context, a admin, args []string) error {
		if len(args) > 0 {
			return usageError{"takes no arguments"}
		}
		v, err := a.store.SchemaVersion(ctx)
		if err != nil {
			return err
		}
		return a.print(map[string]int64{"schema_version": v})
	},
	"organization": subcommands(map[string]func(context.Context, admin, []string) error{
		"create": organizationCreate,
	}),
	"project": subcommands(map[string]func(context.Context, admin, []string) error{
		"create":        projectCreate,
		"list":          projectList,
		"set-retention": projectSetRetention,
	}),
	"user": subcommands(map[string]func(context.Context, admin, []string) error{
		"create":       userCreate,
		"set-password": userSetPassword,
	}),
	"apikey": subcommands(map[string]func(context.Context, admin, []string) error{
		"create": apikeyCreate,
		"list":   apikeyList,
		"revoke": apikeyRevoke,
	}),
}

func subcommands(m map[string]func(context.Context, admin, []string) error) func(context.Context, admin, []string) error {
	return func(ctx context.Context, a admin, args []string) error {
		if len(args) == 0 {
			return usageError{"missing subcommand (run 'tapedeck help')"}
		}
		cmd, ok := m[args[0]]
		if !ok {
			return usageError{fmt.Sprintf("unknown subcommand %q (run 'tapedeck help')", args[0])}
		}
		return cmd(ctx, a, args[1:])
	}
}

// parse reads flags, refusing positional arguments beyond want and
// reporting every problem as one line.
func parse(fs *flag.FlagSet, args []string, want int) ([]string, error) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		return nil, usageError{err.Error()}
	}
	if fs.NArg() != want {
		return nil, usageError{fmt.Sprintf("want %d argument(s) besides flags, got %d", want, fs.NArg())}
	}
	return fs.Args(), nil
}

func required(name, value string) error {
	if strings.TrimSpace(value) == "" {
		return usageError{fmt.Sprintf("--%s is required", name)}
	}
	return nil
}

func (a admin) print(v any) error {
	enc := json.NewEncoder(a.stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func organizationCreate(ctx context.Context, a admin, args []string) error {
	fs := flag.NewFlagSet("organization create", flag.ContinueOnError)
	name := fs.String("name", "", "organization name")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := required("name", *name); err != nil {
		return err
	}
	o, err := a.accounts.CreateOrganization(ctx, *name)
	if err != nil {
		return err
	}
	return a.print(map[string]string{"id": o.ID, "name": o.Name})
}

type projectOut struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Organization string `json:"organization"`
	APIToken     string `json:"api_token"`
}

// retentionOut is a project in the list, with its retention.
type retentionOut struct {
	projectOut
	RetentionPeriodDays int `json:"retention_period_days"`
}

func projectCreate(ctx context.Context, a admin, args []string) error {
	fs := flag.NewFlagSet("project create", flag.ContinueOnError)
	name := fs.String("name", "", "project name")
	org := fs.String("organization", "", "organization id (default: the first)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := required("name", *name); err != nil {
		return err
	}
	p, err := a.accounts.CreateProject(ctx, *name, *org)
	if err != nil {
		return err
	}
	return a.print(projectOut{p.ID, p.Name, p.OrganizationID, p.APIToken})
}

func projectList(ctx context.Context, a admin, args []string) error {
	if _, err := parse(flag.NewFlagSet("project list", flag.ContinueOnError), args, 0); err != nil {
		return err
	}
	projects, err := a.store.Projects(ctx)
	if err != nil {
		return err
	}
	out := []retentionOut{}
	for _, p := range projects {
		out = append(out, retentionOut{projectOut{p.ID, p.Name, p.OrganizationID, p.APIToken}, p.RetentionDays})
	}
	return a.print(out)
}

func projectSetRetention(ctx context.Context, a admin, args []string) error {
	fs := flag.NewFlagSet("project set-retention", flag.ContinueOnError)
	id := fs.Int64("project", 0, "project id")
	days := fs.Int("days", 0, "days to keep recordings (1 to 3650)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if *id <= 0 {
		return usageError{"--project is required"}
	}
	if *days < 1 || *days > 3650 {
		return usageError{"--days must be a whole number from 1 to 3650"}
	}
	if err := a.store.SetRetention(ctx, *id, *days); errors.Is(err, store.ErrNotFound) {
		return usageError{fmt.Sprintf("there is no project %d", *id)}
	} else if err != nil {
		return err
	}
	return a.print(map[string]int64{"id": *id, "retention_period_days": int64(*days)})
}

func userCreate(ctx context.Context, a admin, args []string) error {
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	var n account.NewUser
	fs.StringVar(&n.Email, "email", "", "email address")
	fs.StringVar(&n.FirstName, "first-name", "", "first name")
	fs.StringVar(&n.LastName, "last-name", "", "last name")
	fs.StringVar(&n.OrganizationID, "organization", "", "organization id (default: the first)")
	fs.StringVar(&n.Password, "password", "", "password to sign in to the web UI (default: none)")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := required("email", n.Email); err != nil {
		return err
	}
	if given(fs, "password") && n.Password == "" {
		return usageError{"--password: the password is empty"}
	}
	u, err := a.accounts.CreateUser(ctx, n)
	if err != nil {
		return err
	}
	return a.print(struct {
		ID         int64  `json:"id"`
		UUID       string `json:"uuid"`
		Email      string `json:"email"`
		DistinctID string `json:"distinct_id"`
	}{u.ID, u.UUID, u.Email, u.DistinctID})
}

// userSetPassword sets a user's password, read from the first line of
// stdin so that it stays out of the shell history and the process list.
func userSetPassword(ctx context.Context, a admin, args []string) error {
	fs := flag.NewFlagSet("user set-password", flag.ContinueOnError)
	email := fs.String("email", "", "the user's email address")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := required("email", *email); err != nil {
		return err
	}
	password, err := firstLine(a.stdin)
	if err != nil {
		return err
	}
	u, ended, err := a.accounts.SetPassword(ctx, *email, password)
	if err != nil {
		return err
	}
	return a.print(struct {
		ID            int64  `json:"id"`
		Email         string `json:"email"`
		SessionsEnded int64  `json:"sessions_ended"`
	}{u.ID, u.Email, ended})
}

// firstLine reads the first line of r without its line ending.
func firstLine(r io.Reader) (string, error) {
	if r == nil {
		return "", nil
	}
	line, err := bufio.NewReader(io.LimitReader(r, 64<<10)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read the password from stdin: %w", err)
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// given reports whether the flag was set on the command line.
func given(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

func apikeyCreate(ctx context.Context, a admin, args []string) error {
	fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
	var n account.NewAPIKey
	var projects string
	fs.StringVar(&n.UserEmail, "user", "", "owner's email (default: the first user)")
	fs.StringVar(&n.Scopes, "scopes", "*", "comma-separated scopes")
	fs.StringVar(&projects, "projects", "", "comma-separated project ids the key is limited to (default: all)")
	fs.StringVar(&n.Label, "label", "", "a label to recognise the key by")
	if _, err := parse(fs, args, 0); err != nil {
		return err
	}
	for _, p := range strings.Split(projects, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil || id <= 0 {
			return usageError{fmt.Sprintf("--projects: %q is not a project id", p)}
		}
		n.Projects = append(n.Projects, id)
	}
	k, key, err := a.accounts.CreateAPIKey(ctx, n)
	if err != nil {
		return err
	}
	return a.print(struct {
		ID     int64    `json:"id"`
		Key    string   `json:"key"`
		Label  string   `json:"label"`
		Scopes []string `json:"scopes"`
	}{k.ID, key, k.Label, k.Scopes})
}

func apikeyList(ctx context.Context, a admin, args []string) error {
	if _, err := parse(flag.NewFlagSet("apikey list", flag.ContinueOnError), args, 0); err != nil {
		return err
	}
	keys, err := a.store.APIKeys(ctx)
	if err != nil {
		return err
	}
	type keyOut struct {
		ID         int64    `json:"id"`
		UserID     int64    `json:"user_id"`
		Label      string   `json:"label"`
		MaskValue  string   `json:"mask_value"`
		Scopes     []string `json:"scopes"`
		Projects   []int64  `json:"projects"`
		CreatedAt  string   `json:"created_at"`
		LastUsedAt *string  `json:"last_used_at"`
	}
	out := []keyOut{}
	for _, k := range keys {
		o := keyOut{ID: k.ID, UserID: k.UserID, Label: k.Label, MaskValue: k.MaskValue, Scopes: k.Scopes,
			Projects: k.Projects, CreatedAt: k.CreatedAt.Format("2006-01-02T15:04:05Z")}
		if o.Projects == nil {
			o.Projects = []int64{}
		}
		if k.LastUsedAt != nil {
			s := k.LastUsedAt.Format("2006-01-02T15:04:05Z")
			o.LastUsedAt = &s
		}
		out = append(out, o)
	}
	return a.print(out)
}

func apikeyRevoke(ctx context.Context, a admin, args []string) error {
	rest, err := parse(flag.NewFlagSet("apikey revoke", flag.ContinueOnError), args, 1)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(rest[0], 10, 64)
	if err != nil {
		return usageError{fmt.Sprintf("%q is not a key id", rest[0])}
	}
	if err := a.store.DeleteAPIKey(ctx, id); errors.Is(err, store.ErrNotFound) {
		return usageError{fmt.Sprintf("there is no key %d", id)}
	} else if err != nil {
		return err
	}
	return a.print(map[string]any{"id": id, "revoked": true})
}
