package karma_test

import "context"

// The shared helpers (the fixture, must, wantCode ...) are storetest's.

var ctx = context.Background()
