package githubapp

import (
	"context"
	"errors"

	"github.com/centralcloud/centralcloud/scannerapi"
)

// ScannerVerifier adapts the App's token verifier to the scanner API,
// or returns nil without an App, which makes the API refuse installation
// tokens.
func (a *App) ScannerVerifier() scannerapi.InstallationVerifier {
	verifier := a.TokenVerifier()
	if verifier == nil {
		return nil
	}
	return func(ctx context.Context, token string) (*scannerapi.InstallationAccess, error) {
		access, err := verifier.Verify(ctx, token)
		switch {
		case errors.Is(err, ErrInstallationSuspended):
			return nil, errors.Join(scannerapi.ErrInstallationSuspended, err)
		case errors.Is(err, ErrInvalidToken), errors.Is(err, ErrNotInstalled):
			// A token whose repositories lack the App is not one of ours.
			return nil, errors.Join(scannerapi.ErrInvalidInstallationToken, err)
		}
		if err != nil {
			return nil, err
		}
		out := &scannerapi.InstallationAccess{
			InstallationID: access.InstallationID,
			AccountLogin:   access.AccountLogin,
			AccountID:      access.AccountID,
			Repositories:   make([]scannerapi.RepositoryRef, len(access.Repositories)),
		}
		for i, r := range access.Repositories {
			out.Repositories[i] = scannerapi.RepositoryRef{ID: r.ID, Owner: r.Owner, Name: r.Name}
		}
		return out, nil
	}
}
