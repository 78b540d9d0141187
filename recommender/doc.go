// Package recommender will estimate proficiency from evidence, measure competency
// gaps, rank courses and plan learning paths. It is pure Go over plain inputs (gonum
// where it pays): no database, no cache, no GraphQL. It arrives with the proficiency
// and recommender issues; the foundation only reserves its place.
package recommender
