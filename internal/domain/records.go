package domain

// Latest keeps, of the valid indexes idxs of a batch of records, the last of each
// key, in idxs's order: a later row of a file overrides an earlier one, and the
// earlier rows count as stored (they are neither written nor rejected).
func Latest[K comparable](idxs []int, key func(i int) K) []int {
	last := make(map[K]int, len(idxs))
	for _, i := range idxs {
		last[key(i)] = i
	}
	out := make([]int, 0, len(last))
	for _, i := range idxs {
		if last[key(i)] == i {
			out = append(out, i)
		}
	}
	return out
}
