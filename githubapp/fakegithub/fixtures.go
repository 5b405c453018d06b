package fakegithub

import "github.com/centralcloud/centralcloud/internal/fixtures"

// DefaultFixturesDir finds the recorded GitHub fixtures,
// shared/fixtures/github beside the repository checkout.
func DefaultFixturesDir() (string, error) {
	return fixtures.Dir("github")
}
