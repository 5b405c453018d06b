package results

import (
	"path"
	"strings"
)

// languageByExtension maps lower-case file extensions to language names.
// The names follow the SARIF sourceLanguage conventions: lower case, symbols
// spelled out ("csharp", "cpp").
var languageByExtension = map[string]string{
	".go":     "go",
	".py":     "python",
	".pyi":    "python",
	".js":     "javascript",
	".mjs":    "javascript",
	".cjs":    "javascript",
	".jsx":    "javascript",
	".ts":     "typescript",
	".mts":    "typescript",
	".cts":    "typescript",
	".tsx":    "typescript",
	".java":   "java",
	".kt":     "kotlin",
	".kts":    "kotlin",
	".scala":  "scala",
	".groovy": "groovy",
	".cs":     "csharp",
	".vb":     "visualbasic",
	".fs":     "fsharp",
	".c":      "c",
	".h":      "c",
	".cc":     "cpp",
	".cpp":    "cpp",
	".cxx":    "cpp",
	".hh":     "cpp",
	".hpp":    "cpp",
	".hxx":    "cpp",
	".m":      "objectivec",
	".mm":     "objectivec",
	".swift":  "swift",
	".rs":     "rust",
	".rb":     "ruby",
	".php":    "php",
	".pl":     "perl",
	".pm":     "perl",
	".lua":    "lua",
	".dart":   "dart",
	".ex":     "elixir",
	".exs":    "elixir",
	".erl":    "erlang",
	".hs":     "haskell",
	".clj":    "clojure",
	".r":      "r",
	".sh":     "shell",
	".bash":   "shell",
	".zsh":    "shell",
	".ps1":    "powershell",
	".sql":    "sql",
	".tf":     "terraform",
	".hcl":    "hcl",
	".yaml":   "yaml",
	".yml":    "yaml",
	".json":   "json",
	".xml":    "xml",
	".html":   "html",
	".htm":    "html",
	".css":    "css",
	".scss":   "scss",
	".vue":    "vue",
	".svelte": "svelte",
	".sol":    "solidity",
	".aspx":   "aspnet",
	".cshtml": "razor",
	".proto":  "protobuf",
}

// languageByName maps lower-case file names without a telling extension.
var languageByName = map[string]string{
	"dockerfile":    "dockerfile",
	"containerfile": "dockerfile",
	"makefile":      "makefile",
	"gemfile":       "ruby",
	"rakefile":      "ruby",
	"jenkinsfile":   "groovy",
}

// Language guesses the programming language of the file at filePath from its
// name, returning "" when unknown.
func Language(filePath string) string {
	name := strings.ToLower(path.Base(strings.ReplaceAll(filePath, `\`, "/")))
	if language, ok := languageByName[name]; ok {
		return language
	}
	if strings.HasPrefix(name, "dockerfile.") {
		return "dockerfile"
	}
	return languageByExtension[path.Ext(name)]
}
