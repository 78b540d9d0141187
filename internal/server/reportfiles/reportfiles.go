// Package reportfiles serves the gap reports as files, a PNG heatmap and a CSV
// of per-learner gaps, under the access rules of the gapReport query; package
// graph wires it with its services and rules (graph.NewReportsHandler).
package reportfiles

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/openkarmayogi/karmayogi/internal/authz"
	"github.com/openkarmayogi/karmayogi/internal/report"
	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
	"github.com/openkarmayogi/karmayogi/internal/service"
	"github.com/openkarmayogi/karmayogi/models"
)

// Sources are what the report files are made of, and the rules they are
// served under: package graph's (its Services, its authorisation and its
// error codes).
type Sources struct {
	Organisations models.OrganisationService
	Catalogue     models.CatalogueService
	Reports       *service.Reports
	// Authorise admits ctx's caller to an organisation's reports, or refuses with
	// a domain error (as the gapReport query does).
	Authorise func(ctx context.Context, organisationID int64) error
	// CodeOf is the extensions.code an error is presented with.
	CodeOf func(error) string
}

// New serves gap reports as files:
//
//	GET /reports/gaps.png?organisation=CODE[&role=CODE][&type=BEHAVIOURAL]  the heatmap (report.Heatmap)
//	GET /reports/gaps.csv?organisation=CODE[&role=CODE][&type=...]         the per-learner gaps (report.WriteCSV)
//
// A refusal is JSON in the shape of a GraphQL error: 401 UNAUTHENTICATED without
// a signed-in caller, 403 FORBIDDEN for a caller Authorise refuses, 404 NOT_FOUND
// for an unknown organisation code, 400 BAD_USER_INPUT for a missing, repeated,
// unknown or bad parameter (an unknown role code too, as in the query). The
// caller must be authenticated before (middleware.Authenticate).
func New(s Sources) http.Handler {
	h := &reportFiles{s: s, logger: slog.Default()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /reports/gaps.png", h.png)
	mux.HandleFunc("GET /reports/gaps.csv", h.csv)
	return mux
}

type reportFiles struct {
	s      Sources
	logger *slog.Logger
}

// reportScope admits the request's caller to the report its parameters name,
// or answers the request with the refusal and returns false.
func (h *reportFiles) reportScope(w http.ResponseWriter, r *http.Request) (report.Scope, bool) {
	ctx := r.Context()
	var scope report.Scope
	if middleware.Caller(ctx) == nil {
		middleware.WriteError(w, http.StatusUnauthorized, authz.ErrSignInRequired.Message, h.s.CodeOf(authz.ErrSignInRequired))
		return scope, false
	}
	p, err := reportParams(r.URL.Query())
	if err == nil {
		scope.Type = p.ctype
		scope.Organisation, err = h.s.Organisations.FindOrganisationByCode(ctx, p.organisation)
	}
	if err == nil {
		err = h.s.Authorise(ctx, scope.Organisation.ID)
	}
	if err == nil && p.role != "" {
		scope.Role, err = h.findRole(ctx, p.role)
	}
	if err != nil {
		h.refuse(w, r, err)
		return scope, false
	}
	return scope, true
}

type reportQuery struct {
	organisation, role string
	ctype              *models.CompetencyType
}

// reportParams reads a report's query string: organisation (required), role and type.
func reportParams(q url.Values) (reportQuery, error) {
	var p reportQuery
	for k, vs := range q {
		switch {
		case k != "organisation" && k != "role" && k != "type":
			return p, models.Invalid(k, "unknown parameter %q: use organisation, role and type", k)
		case len(vs) != 1:
			return p, models.Invalid(k, "%s is given more than once", k)
		case strings.TrimSpace(vs[0]) == "":
			return p, models.Invalid(k, "%s is empty", k)
		}
	}
	p.organisation, p.role = strings.TrimSpace(q.Get("organisation")), strings.TrimSpace(q.Get("role"))
	if p.organisation == "" {
		return p, models.Invalid("organisation", "organisation is required: the code of an organisation, as in ?organisation=MOF")
	}
	if t := q.Get("type"); t != "" {
		ct := models.CompetencyType(strings.ToUpper(strings.TrimSpace(t)))
		if !ct.Valid() {
			return p, models.Invalid("type", "type must be BEHAVIOURAL, FUNCTIONAL or DOMAIN")
		}
		p.ctype = &ct
	}
	return p, nil
}

// findRole looks a role up by code; an unknown code is the caller's mistake.
func (h *reportFiles) findRole(ctx context.Context, code string) (*models.Role, error) {
	role, err := h.s.Catalogue.FindRoleByCode(ctx, code)
	if models.ErrorCode(err) == models.ENOTFOUND {
		return nil, models.Invalid("role", "no role has the code %q", code)
	}
	return role, err
}

// refuse answers with err's status and code; an internal error is logged and
// shown only as "internal error".
func (h *reportFiles) refuse(w http.ResponseWriter, r *http.Request, err error) {
	status := map[string]int{models.EINVALID: http.StatusBadRequest, models.ENOTFOUND: http.StatusNotFound,
		models.EFORBIDDEN: http.StatusForbidden, models.EUNAUTHORIZED: http.StatusUnauthorized}
	var de *models.Error
	if errors.As(err, &de) && status[de.Code] != 0 {
		middleware.WriteError(w, status[de.Code], de.Message, h.s.CodeOf(err))
		return
	}
	if r.Context().Err() != nil {
		middleware.WriteError(w, http.StatusServiceUnavailable, "the report took too long; try again", h.s.CodeOf(r.Context().Err()))
		return
	}
	h.logger.ErrorContext(r.Context(), "reports: internal error", "path", r.URL.Path, "error", err)
	middleware.WriteError(w, http.StatusInternalServerError, "internal error", h.s.CodeOf(err))
}

// png draws the report's heatmap.
func (h *reportFiles) png(w http.ResponseWriter, r *http.Request) {
	scope, ok := h.reportScope(w, r)
	if !ok {
		return
	}
	heat, err := report.NewHeatmap(r.Context(), h.s.Reports, reportNames{h.s}, scope)
	var img bytes.Buffer
	if err == nil {
		err = heat.WritePNG(&img)
	}
	if err != nil {
		h.refuse(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Content-Length", strconv.Itoa(img.Len()))
	w.Header().Set("Cache-Control", "private, no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(img.Bytes())
}

// csv streams the per-learner gaps. The headers go out with the first full
// buffer, so an error before then is still a proper refusal; one after it
// aborts the response, so a client never takes a cut file for a whole one.
func (h *reportFiles) csv(w http.ResponseWriter, r *http.Request) {
	scope, ok := h.reportScope(w, r)
	if !ok {
		return
	}
	out := &lazyCSV{w: w, filename: "gaps-" + strings.NewReplacer("/", "_", ".", "_").Replace(scope.Organisation.Code) + ".csv"}
	q := models.GapQuery{OrganisationID: scope.Organisation.ID, RoleID: scope.RoleID(), CompetencyType: scope.Type}
	err := report.WriteCSV(r.Context(), out, h.s.Reports.Store, q)
	switch {
	case err == nil && !out.started:
		out.start() // an empty file still has its header
	case err != nil && !out.started:
		h.refuse(w, r, err)
	case err != nil:
		h.logger.ErrorContext(r.Context(), "reports: CSV cut short", "path", r.URL.Path, "error", err)
		panic(http.ErrAbortHandler)
	}
}

// lazyCSV sets the CSV headers on the first write.
type lazyCSV struct {
	w        http.ResponseWriter
	filename string
	started  bool
}

func (l *lazyCSV) start() {
	l.started = true
	l.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	l.w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", l.filename))
	l.w.Header().Set("Cache-Control", "private, no-store")
	l.w.Header().Set("X-Content-Type-Options", "nosniff")
	l.w.WriteHeader(http.StatusOK)
}

func (l *lazyCSV) Write(p []byte) (int, error) {
	if !l.started {
		l.start()
	}
	return l.w.Write(p)
}

// reportNames names a picture's organisations and competencies.
type reportNames struct{ s Sources }

func (n reportNames) FindOrganisationsByIDs(ctx context.Context, ids []int64) (map[int64]*models.Organisation, error) {
	return n.s.Organisations.FindOrganisationsByIDs(ctx, ids)
}

func (n reportNames) FindCompetenciesByIDs(ctx context.Context, ids []int64) (map[int64]*models.Competency, error) {
	return n.s.Catalogue.FindCompetenciesByIDs(ctx, ids)
}
