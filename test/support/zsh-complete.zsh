# Types each argument after the first into an interactive zsh (in a pseudo-terminal, zpty), presses
# TAB, and prints the command line as completion left it. $1: the completion script to source.
zmodload zsh/zpty
zpty z 'zsh -f -i'
zpty -w z "PS1='> '; autoload -Uz compinit; compinit -u -D; source $1"
zpty -w z 'dump() { print -- "\x3c\x3cB:$BUFFER:B\x3e\x3e" > /dev/tty }; zle -N dump; bindkey "^X" dump'
shift
for typed in "$@"; do
  zpty -w -n z "$typed"$'\t\x18'
  zpty -r z out "*<<B:*:B>>*"
  print -r -- "${${out##*<<B:}%%:B>>*}"
  zpty -w -n z $'\x15'
done
zpty -d z
