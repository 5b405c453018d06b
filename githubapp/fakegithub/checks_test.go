package fakegithub_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-github/v62/github"
	"github.com/stretchr/testify/require"

	"github.com/centralcloud/centralcloud/githubapp/fakegithub"
)

func annotations(n int, level string) []*github.CheckRunAnnotation {
	list := make([]*github.CheckRunAnnotation, n)
	for i := range list {
		list[i] = &github.CheckRunAnnotation{
			Path:            github.String(fmt.Sprintf("src/file%d.go", i)),
			StartLine:       github.Int(i + 1),
			EndLine:         github.Int(i + 1),
			AnnotationLevel: github.String(level),
			Message:         github.String(fmt.Sprintf("finding %d", i)),
		}
	}
	return list
}

func output(list []*github.CheckRunAnnotation) *github.CheckRunOutput {
	return &github.CheckRunOutput{
		Title:       github.String("3 findings"),
		Summary:     github.String("There are 3 findings."),
		Annotations: list,
	}
}

// createRun creates a queued CentralCloud run on acme/app.
func createRun(t *testing.T, client *github.Client) *github.CheckRun {
	t.Helper()
	run, resp, err := client.Checks.CreateCheckRun(testContext(t), "acme", "app", github.CreateCheckRunOptions{
		Name: "CentralCloud", HeadSHA: headSHA, ExternalID: github.String("run-1"),
	})
	require.NoError(t, err)
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	return run
}

func TestCheckRunLifecycle(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)

	run := createRun(t, client)
	require.Equal(t, "queued", run.GetStatus())
	require.Nil(t, run.Conclusion)
	require.Equal(t, "CentralCloud", run.GetName())
	require.Equal(t, headSHA, run.GetHeadSHA())
	require.Equal(t, "run-1", run.GetExternalID())
	require.Equal(t, int64(appID), run.GetApp().GetID())
	require.Equal(t, e.server.URL()+fmt.Sprintf("repos/acme/app/check-runs/%d", run.GetID()), run.GetURL())

	_, _, err := client.Checks.UpdateCheckRun(ctx, "acme", "app", run.GetID(), github.UpdateCheckRunOptions{
		Name: "CentralCloud", Status: github.String("in_progress"),
		Output: output(annotations(50, "warning")),
	})
	require.NoError(t, err)
	done, _, err := client.Checks.UpdateCheckRun(ctx, "acme", "app", run.GetID(), github.UpdateCheckRunOptions{
		Name: "CentralCloud", Conclusion: github.String("failure"),
		DetailsURL: github.String("https://centralcloud.example/runs/1"),
		Output:     output(annotations(30, "failure")),
		Actions:    []*github.CheckRunAction{{Label: "Re-run", Description: "Run the scan again", Identifier: "rerun"}},
	})
	require.NoError(t, err)
	require.Equal(t, "completed", done.GetStatus())
	require.Equal(t, "failure", done.GetConclusion())
	require.Equal(t, 80, done.GetOutput().GetAnnotationsCount())
	require.NotNil(t, done.CompletedAt)

	stored, ok := e.server.CheckRun(run.GetID())
	require.True(t, ok)
	require.Equal(t, "completed", stored.Status)
	require.Equal(t, "failure", stored.Conclusion)
	require.Equal(t, "run-1", stored.ExternalID)
	require.Equal(t, "https://centralcloud.example/runs/1", stored.DetailsURL)
	require.Equal(t, "3 findings", stored.Output.Title)
	require.Len(t, stored.Annotations, 80)
	require.Equal(t, "warning", stored.Annotations[0].Level)
	require.Equal(t, "failure", stored.Annotations[79].Level)
	require.Equal(t, []fakegithub.Action{{Label: "Re-run", Description: "Run the scan again", Identifier: "rerun"}}, stored.Actions)
	require.Equal(t, 2, stored.Updates)
	require.Equal(t, installationAcme, int(stored.InstallationID))
	require.Len(t, e.server.CheckRuns("ACME", "App", headSHA), 1)
}

func TestAnnotationsListedWithPagination(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)
	run := createRun(t, client)
	list := annotations(1, "notice")
	list[0].StartColumn = github.Int(3)
	list[0].EndColumn = github.Int(9)
	list[0].Title = github.String("Unused variable")
	list[0].RawDetails = github.String("details")
	list = append(list, annotations(40, "warning")...)
	_, _, err := client.Checks.UpdateCheckRun(ctx, "acme", "app", run.GetID(), github.UpdateCheckRunOptions{
		Name: "CentralCloud", Output: output(list),
	})
	require.NoError(t, err)

	first, resp, err := client.Checks.ListCheckRunAnnotations(ctx, "acme", "app", run.GetID(), nil)
	require.NoError(t, err)
	require.Len(t, first, 30, "GitHub's default page size")
	require.Equal(t, 2, resp.NextPage)
	require.Equal(t, 2, resp.LastPage)
	require.Equal(t, "src/file0.go", first[0].GetPath())
	require.Equal(t, 3, first[0].GetStartColumn())
	require.Equal(t, 9, first[0].GetEndColumn())
	require.Equal(t, "Unused variable", first[0].GetTitle())
	require.Equal(t, "details", first[0].GetRawDetails())
	require.Equal(t, "notice", first[0].GetAnnotationLevel())
	require.Nil(t, first[1].StartColumn)

	second, resp, err := client.Checks.ListCheckRunAnnotations(ctx, "acme", "app", run.GetID(),
		&github.ListOptions{Page: resp.NextPage})
	require.NoError(t, err)
	require.Len(t, second, 11)
	require.Zero(t, resp.NextPage)
}

func TestTooManyAnnotationsRejected(t *testing.T) {
	t.Parallel()
	e := setup(t)
	client := e.installationClient(t, installationAcme)
	run := createRun(t, client)

	_, _, err := client.Checks.UpdateCheckRun(testContext(t), "acme", "app", run.GetID(), github.UpdateCheckRunOptions{
		Name: "CentralCloud", Output: output(annotations(51, "warning")),
	})
	errResp := requireErrorResponse(t, err, http.StatusUnprocessableEntity, "Validation Failed")
	require.Len(t, errResp.Errors, 1)
	require.Equal(t, "output.annotations", errResp.Errors[0].Field)
	require.Equal(t, "too_long", errResp.Errors[0].Code)
	require.Equal(t, "CheckRun", errResp.Errors[0].Resource)

	stored, _ := e.server.CheckRun(run.GetID())
	require.Empty(t, stored.Annotations)
	require.Zero(t, stored.Updates)
}

func TestOutputLengthLimit(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)
	run := createRun(t, client)
	update := func(summary, text string) error {
		_, _, err := client.Checks.UpdateCheckRun(ctx, "acme", "app", run.GetID(), github.UpdateCheckRunOptions{
			Name: "CentralCloud",
			Output: &github.CheckRunOutput{
				Title: github.String("t"), Summary: github.String(summary), Text: github.String(text),
			},
		})
		return err
	}

	// The limit counts characters, not bytes: "é" is two bytes.
	require.NoError(t, update(strings.Repeat("é", 65535), "text"))
	err := update(strings.Repeat("a", 65536), "text")
	errResp := requireErrorResponse(t, err, http.StatusUnprocessableEntity, "Validation Failed")
	require.Equal(t, "output.summary", errResp.Errors[0].Field)
	err = update("summary", strings.Repeat("a", 70000))
	errResp = requireErrorResponse(t, err, http.StatusUnprocessableEntity, "Validation Failed")
	require.Equal(t, "output.text", errResp.Errors[0].Field)
}

func TestCheckRunValidation(t *testing.T) {
	t.Parallel()
	e := setup(t)
	client := e.installationClient(t, installationAcme)
	run := createRun(t, client)
	cases := []struct {
		name   string
		create *github.CreateCheckRunOptions
		update *github.UpdateCheckRunOptions
		fields []string
	}{
		{name: "name missing", create: &github.CreateCheckRunOptions{HeadSHA: headSHA}, fields: []string{"name"}},
		{name: "head_sha not a commit", create: &github.CreateCheckRunOptions{Name: "c", HeadSHA: "main"}, fields: []string{"head_sha"}},
		{
			name:   "status only GitHub Actions sets",
			create: &github.CreateCheckRunOptions{Name: "c", HeadSHA: headSHA, Status: github.String("waiting")},
			fields: []string{"status"},
		},
		{
			name:   "completed without conclusion",
			create: &github.CreateCheckRunOptions{Name: "c", HeadSHA: headSHA, Status: github.String("completed")},
			fields: []string{"conclusion"},
		},
		{
			name:   "conclusion stale",
			update: &github.UpdateCheckRunOptions{Name: "c", Conclusion: github.String("stale")},
			fields: []string{"conclusion"},
		},
		{name: "empty name on update", update: &github.UpdateCheckRunOptions{}, fields: []string{"name"}},
		{
			name:   "output without title",
			update: &github.UpdateCheckRunOptions{Name: "c", Output: &github.CheckRunOutput{Summary: github.String("s")}},
			fields: []string{"output.title"},
		},
		{
			name: "annotation fields",
			update: &github.UpdateCheckRunOptions{Name: "c", Output: output([]*github.CheckRunAnnotation{
				{AnnotationLevel: github.String("error")},
				{
					Path: github.String("a.go"), StartLine: github.Int(1), EndLine: github.Int(2),
					StartColumn: github.Int(1), AnnotationLevel: github.String("notice"), Message: github.String("m"),
				},
			})},
			fields: []string{
				"output.annotations[0].path", "output.annotations[0].start_line", "output.annotations[0].end_line",
				"output.annotations[0].message", "output.annotations[0].annotation_level", "output.annotations[1]",
			},
		},
		{
			name: "actions",
			update: &github.UpdateCheckRunOptions{Name: "c", Actions: []*github.CheckRunAction{
				{Label: "a label over twenty chars", Description: "d", Identifier: "i"},
				{Label: "l", Description: "d", Identifier: "i"},
				{Label: "l", Description: "d", Identifier: "i"},
				{Label: "l", Description: "d"},
			}},
			fields: []string{"actions", "actions[0].label", "actions[3].identifier"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if tc.create != nil {
				_, _, err = client.Checks.CreateCheckRun(testContext(t), "acme", "app", *tc.create)
			} else {
				_, _, err = client.Checks.UpdateCheckRun(testContext(t), "acme", "app", run.GetID(), *tc.update)
			}
			errResp := requireErrorResponse(t, err, http.StatusUnprocessableEntity, "Validation Failed")
			var fields []string
			for _, fieldErr := range errResp.Errors {
				fields = append(fields, fieldErr.Field)
			}
			require.Equal(t, tc.fields, fields)
		})
	}
}

func TestCompletedRunNotReopened(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)
	run := createRun(t, client)
	_, _, err := client.Checks.UpdateCheckRun(ctx, "acme", "app", run.GetID(), github.UpdateCheckRunOptions{
		Name: "CentralCloud", Conclusion: github.String("success"),
	})
	require.NoError(t, err)

	updated, _, err := client.Checks.UpdateCheckRun(ctx, "acme", "app", run.GetID(), github.UpdateCheckRunOptions{
		Name: "CentralCloud", Status: github.String("in_progress"), ExternalID: github.String("run-2"),
	})
	require.NoError(t, err)
	require.Equal(t, "completed", updated.GetStatus())
	require.Equal(t, "success", updated.GetConclusion())
	require.Equal(t, "run-2", updated.GetExternalID())
}

func TestRetriedBatchDuplicatesAnnotations(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)
	run := createRun(t, client)
	batch := github.UpdateCheckRunOptions{Name: "CentralCloud", Output: output(annotations(2, "warning"))}

	for range 2 {
		_, _, err := client.Checks.UpdateCheckRun(ctx, "acme", "app", run.GetID(), batch)
		require.NoError(t, err)
	}
	stored, _ := e.server.CheckRun(run.GetID())
	require.Len(t, stored.Annotations, 4)
	require.Equal(t, stored.Annotations[0], stored.Annotations[2])
}

func TestListCheckRunsForRef(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	client := e.installationClient(t, installationAcme)
	first := createRun(t, client)
	second := createRun(t, client)
	_, _, err := client.Checks.CreateCheckRun(ctx, "acme", "app", github.CreateCheckRunOptions{
		Name: "other", HeadSHA: headSHA, Conclusion: github.String("neutral"),
	})
	require.NoError(t, err)

	latest, _, err := client.Checks.ListCheckRunsForRef(ctx, "acme", "app", headSHA, nil)
	require.NoError(t, err)
	require.Equal(t, 2, latest.GetTotal())
	require.Equal(t, "other", latest.CheckRuns[0].GetName())
	require.Equal(t, second.GetID(), latest.CheckRuns[1].GetID())

	all, _, err := client.Checks.ListCheckRunsForRef(ctx, "acme", "app", headSHA, &github.ListCheckRunsOptions{
		CheckName: github.String("CentralCloud"), Filter: github.String("all"),
	})
	require.NoError(t, err)
	require.Equal(t, 2, all.GetTotal())
	require.Equal(t, second.GetID(), all.CheckRuns[0].GetID())
	require.Equal(t, first.GetID(), all.CheckRuns[1].GetID())
	require.Equal(t, first.GetCheckSuite().GetID(), second.GetCheckSuite().GetID())

	completed, _, err := client.Checks.ListCheckRunsForRef(ctx, "acme", "app", headSHA, &github.ListCheckRunsOptions{
		Status: github.String("completed"),
	})
	require.NoError(t, err)
	require.Equal(t, 1, completed.GetTotal())

	otherApp, _, err := client.Checks.ListCheckRunsForRef(ctx, "acme", "app", headSHA, &github.ListCheckRunsOptions{
		AppID: github.Int64(appID + 1),
	})
	require.NoError(t, err)
	require.Zero(t, otherApp.GetTotal())
}

func TestCheckRunAccessRules(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	acme := e.installationClient(t, installationAcme)
	run := createRun(t, acme)
	options := github.CreateCheckRunOptions{Name: "CentralCloud", HeadSHA: headSHA}

	_, _, err := e.installationClient(t, installationGlobex).Checks.CreateCheckRun(ctx, "acme", "app", options)
	requireErrorResponse(t, err, http.StatusForbidden, "Resource not accessible by integration")
	_, _, err = e.installationClient(t, installationGlobex).Checks.GetCheckRun(ctx, "acme", "app", run.GetID())
	requireErrorResponse(t, err, http.StatusForbidden, "Resource not accessible by integration")
	_, _, err = e.installationClient(t, installationInitech).Checks.CreateCheckRun(ctx, "initech", "api", options)
	requireErrorResponse(t, err, http.StatusForbidden, "Resource not accessible by integration")
	_, _, err = acme.Checks.CreateCheckRun(ctx, "acme", "missing", options)
	requireErrorResponse(t, err, http.StatusNotFound, "Not Found")
	_, _, err = acme.Checks.GetCheckRun(ctx, "acme", "lib", run.GetID())
	requireErrorResponse(t, err, http.StatusNotFound, "Not Found")

	got, _, err := acme.Checks.GetCheckRun(ctx, "acme", "app", run.GetID())
	require.NoError(t, err)
	require.Equal(t, run.GetID(), got.GetID())
}

func TestCheckRunNeedsWritePermission(t *testing.T) {
	t.Parallel()
	e := setup(t)
	ctx := testContext(t)
	token, _, err := e.appClient(t).Apps.CreateInstallationToken(ctx, installationAcme, &github.InstallationTokenOptions{
		Permissions: &github.InstallationPermissions{Checks: github.String("read"), Metadata: github.String("read")},
	})
	require.NoError(t, err)
	require.Equal(t, "read", token.GetPermissions().GetChecks())
	readOnly := clientWithCredential(t, e.server, token.GetToken())

	_, _, err = readOnly.Checks.CreateCheckRun(ctx, "acme", "app", github.CreateCheckRunOptions{
		Name: "CentralCloud", HeadSHA: headSHA,
	})
	requireErrorResponse(t, err, http.StatusForbidden, "Resource not accessible by integration")
	_, _, err = readOnly.Checks.ListCheckRunsForRef(ctx, "acme", "app", headSHA, nil)
	require.NoError(t, err)
}
