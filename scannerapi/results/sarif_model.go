package results

import "encoding/json"

// The types below decode the subset of SARIF 2.1.0 that findings need, and
// encoding/json ignores every other property. Optional integers are
// pointers so that an absent value differs from 0.

type sarifRun struct {
	Tool               *sarifTool                       `json:"tool"`
	Artifacts          []sarifArtifact                  `json:"artifacts"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds"`
	Invocations        []sarifInvocation                `json:"invocations"`
	// Results stays raw so that results are decoded one at a time, after
	// the rules and artifacts they refer to, wherever they sit in the run.
	Results json.RawMessage `json:"results"`
}

type sarifTool struct {
	Driver     *sarifToolComponent  `json:"driver"`
	Extensions []sarifToolComponent `json:"extensions"`
}

type sarifToolComponent struct {
	Name                 string                        `json:"name"`
	Version              string                        `json:"version"`
	SemanticVersion      string                        `json:"semanticVersion"`
	Rules                []sarifRule                   `json:"rules"`
	GlobalMessageStrings map[string]sarifMessageString `json:"globalMessageStrings"`
}

// sarifRule is a reportingDescriptor of tool.driver.rules or of an
// extension's rules.
type sarifRule struct {
	ID                   string                        `json:"id"`
	DefaultConfiguration *sarifConfiguration           `json:"defaultConfiguration"`
	ShortDescription     *sarifMessageString           `json:"shortDescription"`
	MessageStrings       map[string]sarifMessageString `json:"messageStrings"`
}

type sarifConfiguration struct {
	Level *string `json:"level"`
}

// sarifMessageString is a multiformatMessageString.
type sarifMessageString struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown"`
}

type sarifArtifact struct {
	Location *sarifArtifactLocation `json:"location"`
}

type sarifArtifactLocation struct {
	URI       *string `json:"uri"`
	URIBaseID string  `json:"uriBaseId"`
	Index     *int64  `json:"index"`
}

type sarifInvocation struct {
	RuleConfigurationOverrides []sarifConfigurationOverride `json:"ruleConfigurationOverrides"`
}

type sarifConfigurationOverride struct {
	Descriptor    sarifDescriptorReference `json:"descriptor"`
	Configuration sarifConfiguration       `json:"configuration"`
}

// sarifDescriptorReference is a reportingDescriptorReference.
type sarifDescriptorReference struct {
	ID            string                   `json:"id"`
	Index         *int64                   `json:"index"`
	ToolComponent *sarifComponentReference `json:"toolComponent"`
}

// sarifComponentReference is a toolComponentReference.
type sarifComponentReference struct {
	Name  string `json:"name"`
	Index *int64 `json:"index"`
}

type sarifResult struct {
	RuleID              string                    `json:"ruleId"`
	RuleIndex           *int64                    `json:"ruleIndex"`
	Rule                *sarifDescriptorReference `json:"rule"`
	Kind                *string                   `json:"kind"`
	Level               *string                   `json:"level"`
	Message             sarifMessage              `json:"message"`
	Locations           []sarifLocation           `json:"locations"`
	Fingerprints        map[string]string         `json:"fingerprints"`
	PartialFingerprints map[string]string         `json:"partialFingerprints"`
	Suppressions        []*sarifSuppression       `json:"suppressions"`
	Provenance          *sarifProvenance          `json:"provenance"`
}

type sarifMessage struct {
	Text      string   `json:"text"`
	Markdown  string   `json:"markdown"`
	ID        string   `json:"id"`
	Arguments []string `json:"arguments"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation *sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion           `json:"region"`
}

type sarifRegion struct {
	StartLine *int64 `json:"startLine"`
	EndLine   *int64 `json:"endLine"`
}

type sarifSuppression struct {
	Status *string `json:"status"`
}

type sarifProvenance struct {
	InvocationIndex *int64 `json:"invocationIndex"`
}
