package graph

import (
	"github.com/openkarmayogi/karmayogi/graph/model"
	"github.com/openkarmayogi/karmayogi/models"
)

// pageInfo describes a page of a keyset-ordered list.
func pageInfo[T any](p *models.Page[T]) *model.PageInfo {
	pi := &model.PageInfo{HasNextPage: p.HasNextPage, HasPreviousPage: p.HasPrevious}
	if n := len(p.Cursors); n > 0 {
		start, end := p.Cursors[0].Encode(), p.Cursors[n-1].Encode()
		pi.StartCursor, pi.EndCursor = &start, &end
	}
	return pi
}

// edges pairs each item of a page with its encoded cursor.
func edges[T, E any](p *models.Page[T], edge func(cursor string, node T) E) []E {
	out := make([]E, len(p.Items))
	for i, item := range p.Items {
		out[i] = edge(p.Cursors[i].Encode(), item)
	}
	return out
}

func organisationConnection(p *models.Page[*models.Organisation]) *model.OrganisationConnection {
	return &model.OrganisationConnection{
		Edges: edges(p, func(c string, n *models.Organisation) *model.OrganisationEdge {
			return &model.OrganisationEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

func competencyConnection(p *models.Page[*models.Competency]) *model.CompetencyConnection {
	return &model.CompetencyConnection{
		Edges: edges(p, func(c string, n *models.Competency) *model.CompetencyEdge {
			return &model.CompetencyEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

func roleConnection(p *models.Page[*models.Role]) *model.RoleConnection {
	return &model.RoleConnection{
		Edges: edges(p, func(c string, n *models.Role) *model.RoleEdge {
			return &model.RoleEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

func courseConnection(p *models.Page[*models.Course]) *model.CourseConnection {
	return &model.CourseConnection{
		Edges: edges(p, func(c string, n *models.Course) *model.CourseEdge {
			return &model.CourseEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

func learnerConnection(p *models.Page[*models.Learner]) *model.LearnerConnection {
	return &model.LearnerConnection{
		Edges: edges(p, func(c string, n *models.Learner) *model.LearnerEdge {
			return &model.LearnerEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

func evidenceConnection(p *models.Page[*models.Evidence]) *model.EvidenceConnection {
	return &model.EvidenceConnection{
		Edges: edges(p, func(c string, n *models.Evidence) *model.EvidenceEdge {
			return &model.EvidenceEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

func enrolmentConnection(p *models.Page[*models.Enrolment]) *model.EnrolmentConnection {
	return &model.EnrolmentConnection{
		Edges: edges(p, func(c string, n *models.Enrolment) *model.EnrolmentEdge {
			return &model.EnrolmentEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

func certificateConnection(p *models.Page[*models.Certificate]) *model.CertificateConnection {
	return &model.CertificateConnection{
		Edges: edges(p, func(c string, n *models.Certificate) *model.CertificateEdge {
			return &model.CertificateEdge{Cursor: c, Node: n}
		}),
		PageInfo:   pageInfo(p),
		TotalCount: p.TotalCount,
	}
}

// pointers returns pointers to the elements of s, as gqlgen's lists want.
func pointers[T any](s []T) []*T {
	out := make([]*T, len(s))
	for i := range s {
		out[i] = &s[i]
	}
	return out
}
