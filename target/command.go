package target

import (
	"fmt"
	"strings"
)

// SplitCommand splits a target command line into words the way a POSIX shell
// would for a simple command: blanks separate words; single quotes keep
// everything literally; double quotes keep blanks and allow \" \\ \$ \`;
// a backslash outside quotes escapes the next character. Nothing else of the
// shell is interpreted (no variables, globs, pipes or redirections): a target
// that needs them is written as `sh -c '…'`.
func SplitCommand(command string) ([]string, error) {
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		quote   rune // 0, '\'' or '"'
		escaped bool
	)
	for _, r := range command {
		switch {
		case escaped:
			if quote == '"' && !strings.ContainsRune("\"\\$`", r) {
				cur.WriteRune('\\')
			}
			cur.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				escaped = true
			default:
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	switch {
	case escaped && quote == 0:
		return nil, fmt.Errorf("target command %q ends with a lone backslash", command)
	case quote != 0:
		return nil, fmt.Errorf("target command %q has an unclosed %c quote", command, quote)
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("target command is empty: give the command that starts your adapter, e.g. --target './my-adapter --verbose'")
	}
	return words, nil
}
