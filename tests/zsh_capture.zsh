# Usage: zsh -f zsh_capture.zsh SCRIPT PRELUDE LINE
# Types LINE and a TAB into an interactive zsh (in a pseudo-terminal, through zsh/zpty), where
# compinit ran, PRELUDE was evaluated and SCRIPT sourced, and prints the matches that the
# completion system accepted, one per line. compadd is wrapped to capture them: the matching
# itself is zsh's own.
zmodload zsh/zpty || { print -u2 'zsh/zpty is missing'; exit 2 }
script=$1 prelude=$2 line=$3
setup=${TMPDIR:-/tmp}/capture-setup.$$.zsh
matches=${TMPDIR:-/tmp}/capture-matches.$$
: > $matches
cat > $setup <<SETUP
PROMPT=
unsetopt zle_bracketed_paste 2>/dev/null
autoload -Uz compinit && compinit -u -D
bindkey '^M' undefined
bindkey '^J' undefined
bindkey '^I' complete-word
$prelude
source ${(q)script}
comppostfuncs=(exit)
compadd() {
    if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then
        builtin compadd "\$@"
        return
    fi
    local -a __hits
    builtin compadd -A __hits "\$@"
    (( \${#__hits} )) && print -rl -- "\${__hits[@]}" >> ${(q)matches}
}
print -r -- READY
SETUP
zpty z zsh -f -i
zpty -w z "source ${(q)setup}"
# Bounded reads: a completion that never finishes must fail the test, not hang it.
local out all=
float deadline=$(( SECONDS + 20 ))
until [[ $all == *READY* ]]; do
    (( SECONDS < deadline )) || { print -u2 "zsh did not start: $all"; exit 3 }
    zpty -rt z out && all+=$out || sleep 0.01
done
zpty -w -n z "$line"$'\t'
all=
while true; do
    if zpty -rt z out; then all+=$out; continue; fi
    zpty -t z 2>/dev/null || break  # the shell exited after the completion (comppostfuncs)
    (( SECONDS < deadline )) || { print -u2 "completion did not finish: $all"; exit 3 }
    sleep 0.01
done
while zpty -rt z out; do all+=$out; done
cat $matches
rm -f $setup $matches
