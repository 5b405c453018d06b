package results

import "strings"

// message returns the text of a result's message. Steps 1 and 2 are SARIF
// 2.1.0's message lookup, and steps 3 and 4 are fallbacks of our own:
//
//  1. message.text, else message.markdown.
//  2. The rule's messageStrings entry named by message.id, else the tool
//     component's globalMessageStrings entry.
//  3. The rule's shortDescription.
//  4. The pattern id.
//
// Placeholders {n} in the texts of steps 1 and 2 are replaced by
// message.arguments[n] (§3.11.5). The result is cut to MaxMessageBytes.
func (c *runContext) message(result *sarifResult, match ruleMatch, patternID string) string {
	message := result.Message
	text := firstText(message.Text, message.Markdown)
	if text == "" && message.ID != "" {
		text = c.messageString(message.ID, match)
	}
	if text != "" && len(message.Arguments) > 0 {
		text = formatMessage(text, message.Arguments, c.limits.MaxMessageBytes)
	}
	if text == "" && match.rule != nil && match.rule.ShortDescription != nil {
		description := match.rule.ShortDescription
		text = firstText(description.Text, description.Markdown)
	}
	if text == "" {
		text = patternID
	}
	return truncateText(cleanText(text), c.limits.MaxMessageBytes)
}

// firstText returns the first of texts that is not blank, or "".
func firstText(texts ...string) string {
	for _, text := range texts {
		if strings.TrimSpace(text) != "" {
			return text
		}
	}
	return ""
}

// messageString looks up a message string by id in the rule, then in the
// rule's tool component.
func (c *runContext) messageString(id string, match ruleMatch) string {
	if match.rule != nil {
		if text, ok := match.rule.MessageStrings[id]; ok {
			if found := firstText(text.Text, text.Markdown); found != "" {
				return found
			}
		}
	}
	if text, ok := c.componentByIndex(match.component).GlobalMessageStrings[id]; ok {
		return firstText(text.Text, text.Markdown)
	}
	return ""
}

// formatMessage replaces each placeholder {n} of template by arguments[n]
// and each escaped brace "{{" or "}}" by a single brace. A placeholder
// without a matching argument stays as written. Writing stops once the
// output exceeds maxBytes, so that a short template repeating a long
// argument cannot allocate more than maxBytes plus one argument.
func formatMessage(template string, arguments []string, maxBytes int) string {
	var builder strings.Builder
	for i := 0; i < len(template) && builder.Len() <= maxBytes; {
		rest := template[i:]
		switch {
		case strings.HasPrefix(rest, "{{"):
			builder.WriteByte('{')
			i += 2
		case strings.HasPrefix(rest, "}}"):
			builder.WriteByte('}')
			i += 2
		default:
			if argument, width, ok := placeholder(rest, len(arguments)); ok {
				builder.WriteString(arguments[argument])
				i += width
				continue
			}
			builder.WriteByte(template[i])
			i++
		}
	}
	return builder.String()
}

// placeholder parses a placeholder "{n}" at the start of s and returns n and
// the placeholder's length, if n is below count.
func placeholder(s string, count int) (argument, width int, ok bool) {
	if len(s) < 3 || s[0] != '{' {
		return 0, 0, false
	}
	end := 1
	for end < len(s) && end <= 9 && '0' <= s[end] && s[end] <= '9' {
		argument = argument*10 + int(s[end]-'0')
		end++
	}
	if end == 1 || end >= len(s) || s[end] != '}' || argument >= count {
		return 0, 0, false
	}
	return argument, end + 1, true
}
