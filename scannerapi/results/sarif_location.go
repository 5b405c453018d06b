package results

import (
	"math"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"
)

// maxBaseDepth bounds the chain of originalUriBaseIds entries that refer to
// one another, which also stops cycles.
const maxBaseDepth = 16

// locate sets the finding's path and lines from the result's first location
// that has a physicalLocation with an artifactLocation. A result without
// one, or whose artifact has no URI, gets no path and line 0.
func (c *runContext) locate(result *sarifResult, resultPath string, finding *Finding) error {
	for i, location := range result.Locations {
		physical := location.PhysicalLocation
		if physical == nil || physical.ArtifactLocation == nil {
			continue
		}
		physicalPath := indexPath(resultPath+".locations", i) + ".physicalLocation"
		filePath, err := c.artifactPath(physical.ArtifactLocation, physicalPath+".artifactLocation")
		if err != nil || filePath == "" {
			return err
		}
		startLine, endLine, err := regionLines(physical.Region, physicalPath+".region")
		if err != nil {
			return err
		}
		finding.Path, finding.StartLine, finding.EndLine = filePath, startLine, endLine
		return nil
	}
	return nil
}

// regionLines returns a region's lines. A missing region, or one without a
// positive startLine (such as a region given by character offsets), makes
// a file-level finding on line 1. A missing or earlier endLine is the
// startLine.
func regionLines(region *sarifRegion, regionPath string) (int, int, error) {
	if region == nil || region.StartLine == nil || *region.StartLine < 1 {
		return 1, 1, nil
	}
	startLine, endLine := *region.StartLine, *region.StartLine
	if region.EndLine != nil && *region.EndLine > startLine {
		endLine = *region.EndLine
	}
	if endLine > math.MaxInt32 {
		field := regionPath + ".endLine"
		if startLine > math.MaxInt32 {
			field = regionPath + ".startLine"
		}
		return 0, 0, fieldErrorf(field, "is above %d, the maximum line number", math.MaxInt32)
	}
	return int(startLine), int(endLine), nil
}

// artifactPath returns the file path of an artifactLocation, or "" when it
// has no URI. A location with only an index takes the URI of
// run.artifacts[index].
//
// NOTE: an artifact's parentIndex (a file inside an archive, for example) is
// not followed, so such a URI stays relative to its parent artifact.
func (c *runContext) artifactPath(location *sarifArtifactLocation, field string) (string, error) {
	uri, baseID := location.URI, location.URIBaseID
	if uri == nil && location.Index != nil {
		index := *location.Index
		if index >= 0 && index < int64(len(c.run.Artifacts)) && c.run.Artifacts[index].Location != nil {
			artifact := c.run.Artifacts[index].Location
			uri, baseID = artifact.URI, artifact.URIBaseID
		}
	}
	if uri == nil || *uri == "" {
		return "", nil
	}
	filePath := cleanText(uriToPath(c.resolveURI(*uri, baseID)))
	if filePath == "." {
		return "", nil
	}
	if len(filePath) > c.limits.MaxPathBytes {
		return "", fieldErrorf(field+".uri", "resolves to a path of %d bytes; the maximum is %d",
			len(filePath), c.limits.MaxPathBytes)
	}
	return filePath, nil
}

// resolveURI prefixes a relative URI with the base URI that
// run.originalUriBaseIds defines for baseID. A URI whose base is not
// defined there, such as %SRCROOT% in most logs, stays relative.
func (c *runContext) resolveURI(uri, baseID string) string {
	if baseID == "" || hasScheme(uri) {
		return uri
	}
	base, ok := c.baseURI(baseID, 0)
	if !ok {
		return uri
	}
	return base + strings.TrimPrefix(uri, "/")
}

// baseURI resolves an originalUriBaseIds entry, following the entry's own
// uriBaseId. An entry without a URI is undefined, and an entry whose parent
// is undefined stays relative to it.
func (c *runContext) baseURI(id string, depth int) (string, bool) {
	entry, ok := c.run.OriginalURIBaseIDs[id]
	if !ok || entry.URI == nil || *entry.URI == "" || depth >= maxBaseDepth {
		return "", false
	}
	base := *entry.URI
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	if entry.URIBaseID == "" || hasScheme(base) || len(base) > c.limits.MaxPathBytes {
		return base, true
	}
	parent, ok := c.baseURI(entry.URIBaseID, depth+1)
	if !ok {
		return base, true
	}
	return parent + strings.TrimPrefix(base, "/"), true
}

// hasScheme reports whether uri starts with an RFC 3986 scheme and a colon.
// One-letter schemes are taken for Windows drives ("C:") and rejected.
func hasScheme(uri string) bool {
	colon := strings.IndexByte(uri, ':')
	if colon < 2 {
		return false
	}
	for i := 0; i < colon; i++ {
		char := uri[i]
		isLetter := ('a' <= char && char <= 'z') || ('A' <= char && char <= 'Z')
		isOther := ('0' <= char && char <= '9') || char == '+' || char == '-' || char == '.'
		if !isLetter && (i == 0 || !isOther) {
			return false
		}
	}
	return true
}

// uriToPath converts a resolved URI to a file path. A file: URI becomes the
// absolute path it names. Other absolute URIs, such as host://10.0.0.1,
// stay as written. A relative reference is percent-decoded and made
// relative to the repository root, so "/modules/a.tf" becomes
// "modules/a.tf". A URI that is not valid stays as written.
//
// NOTE: the checkout folder of the scanner is unknown here, so an absolute
// file: URI stays absolute and does not match a repository path.
func uriToPath(uri string) string {
	if !hasScheme(uri) {
		return path.Clean(strings.TrimLeft(percentDecode(uri), "/"))
	}
	if !strings.HasPrefix(strings.ToLower(uri), "file:") {
		return uri
	}
	rest := uri[len("file:"):]
	if strings.HasPrefix(rest, "//") {
		host, hostPath, _ := strings.Cut(rest[2:], "/")
		if host != "" && !strings.EqualFold(host, "localhost") {
			// A UNC path, \\host\share, which path.Clean would shorten.
			return "//" + host + "/" + percentDecode(hostPath)
		}
		rest = "/" + hostPath
	}
	decoded := percentDecode(rest)
	if len(decoded) >= 3 && decoded[0] == '/' && hasDriveLetter(decoded[1:]) {
		decoded = decoded[1:]
	}
	return path.Clean(decoded)
}

// percentDecode decodes %XX escapes, keeping s as written when an escape is
// invalid or decodes to a NUL or to invalid UTF-8.
func percentDecode(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	decoded, err := url.PathUnescape(s)
	if err != nil || strings.IndexByte(decoded, 0) >= 0 || !utf8.ValidString(decoded) {
		return s
	}
	return decoded
}
