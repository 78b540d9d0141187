package graph

import (
	"net/http"
	"time"

	"github.com/openkarmayogi/karmayogi/internal/server/gqlerr"
	"github.com/openkarmayogi/karmayogi/internal/server/gqlext"
	"github.com/openkarmayogi/karmayogi/internal/server/middleware"
	"github.com/openkarmayogi/karmayogi/internal/server/reportfiles"
)

// reportTimeout bounds one report file: a ministry's CSV streams for a while.
const reportTimeout = time.Minute

// NewReportsHandler serves gap reports as files (reportfiles.New: GET
// /reports/gaps.png and /reports/gaps.csv), under the access rules of the
// gapReport query (authenticate, then authoriseOrganisation: the ORG_ADMINs of the
// organisation's subtree and PLATFORM_ADMINs), with refusals coded as the
// endpoint's errors. Services as for NewHandler.
func NewReportsHandler(s Services, tokens TokenVerifier) http.Handler {
	files := reportfiles.New(reportfiles.Sources{Organisations: s.Organisations, Catalogue: s.Catalogue, Reports: s.Reports,
		Authorise: authoriseOrganisation, CodeOf: gqlerr.CodeOf})
	if s.Revocations != nil {
		tokens = revocable{tokens, s.Revocations}
	}
	return middleware.WithTimeout(reportTimeout, middleware.Authenticate(tokens, withLoaders(s, gqlext.ReplicaReads(files))))
}
