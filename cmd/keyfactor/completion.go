package main

import (
	"bytes"
	"io"

	"github.com/spf13/cobra"
)

// completionHelp says how to load each shell's completion once and for
// good; cobra's own command says so only per shell, and its bash script
// needs the bash-completion package, which completionBash provides for.
const completionHelp = `Prints the completion script for a shell. Load it in the current shell:

  bash:       source <(keyfactor completion bash)
  zsh:        source <(keyfactor completion zsh)
  fish:       keyfactor completion fish | source
  powershell: keyfactor completion powershell | Out-String | Invoke-Expression

Install it for every new shell:

  bash:       keyfactor completion bash > ~/.local/share/bash-completion/completions/keyfactor
              (read by the bash-completion package; without it, add
               'source <(keyfactor completion bash)' to ~/.bashrc instead: the script
               works without the package too)
  zsh:        keyfactor completion zsh > "${fpath[1]}/_keyfactor"
              (with 'autoload -U compinit; compinit' in ~/.zshrc)
  fish:       keyfactor completion fish > ~/.config/fish/completions/keyfactor.fish
  powershell: add 'keyfactor completion powershell | Out-String | Invoke-Expression'
              to the file $PROFILE names`

// completionCommand is "keyfactor completion SHELL".
func completionCommand(stdout io.Writer) *cobra.Command {
	c := &cobra.Command{Use: "completion bash|zsh|fish|powershell", Short: "print a shell completion script",
		Long: completionHelp, Args: cobra.ExactArgs(1), ValidArgs: []string{"bash", "zsh", "fish", "powershell"},
		RunE: func(c *cobra.Command, args []string) error {
			root := c.Root()
			switch args[0] {
			case "bash":
				return completionBash(root, stdout)
			case "zsh":
				return root.GenZshCompletion(stdout)
			case "fish":
				return root.GenFishCompletion(stdout, true)
			case "powershell":
				return root.GenPowerShellCompletionWithDesc(stdout)
			}
			return usagef("completion: unknown shell %q (bash, zsh, fish or powershell)", args[0])
		}}
	return c
}

// bashShim stands in for the one function of the bash-completion package
// that cobra's bash script calls, on a shell without the package (many
// minimal images and containers): the current and previous words, all
// words, and the index of the current one. The package's own version,
// when loaded, is used instead.
const bashShim = `# Without the bash-completion package: a minimal _get_comp_words_by_ref.
if ! declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
_get_comp_words_by_ref() {
    if [[ $1 == -n ]]; then shift 2; fi
    local v
    for v in "$@"; do
        case $v in
            cur) cur=${COMP_WORDS[COMP_CWORD]} ;;
            prev) prev=${COMP_WORDS[COMP_CWORD-1]} ;;
            words) words=("${COMP_WORDS[@]}") ;;
            cword) cword=$COMP_CWORD ;;
        esac
    done
}
fi

`

func completionBash(root *cobra.Command, w io.Writer) error {
	var b bytes.Buffer
	if err := root.GenBashCompletionV2(&b, true); err != nil {
		return err
	}
	_, err := io.WriteString(w, bashShim+b.String())
	return err
}
