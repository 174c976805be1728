# Completion for pulumi-audited, and for pulumi where pulumi is an alias of pulumi-audited.
# Generated from the click application by `make completions`; do not edit.
# Words after `audit` are completed by `pulumi-audited audit __complete-audit`, every other
# word by pulumi's own completion (`pulumi-audited __complete`, which runs pulumi's).

_pulumi_audited_complete() {
    local cur program line directive=0
    local -a words=() args=() lines=() candidates=()
    COMPREPLY=()
    if declare -F _get_comp_words_by_ref >/dev/null 2>&1; then
        local cword
        # bash-completion joins `--format=csv` and `a:b`, which COMP_WORDS splits.
        _get_comp_words_by_ref -n =: cur words cword
        words=("${words[@]:0:cword}")
    else
        # COMP_WORDS splits at `=` and `:`; the line up to the cursor, split at blanks, does not.
        local line_so_far=${COMP_LINE:0:COMP_POINT}
        read -ra words <<<"$line_so_far"
        cur=
        if [[ -n $line_so_far && $line_so_far != *[[:space:]] && ${#words[@]} -gt 0 ]]; then
            cur=${words[-1]}
            unset 'words[-1]'
        fi
    fi
    program=${words[0]}
    [[ ${program##*/} == pulumi-audited ]] || program=pulumi-audited
    args=("${words[@]:1}" "$cur")
    if [[ ${args[0]} == audit && ${#args[@]} -gt 1 ]]; then
        mapfile -t lines < <(command "$program" audit __complete-audit -- "${args[@]:1}" 2>/dev/null)
    else
        mapfile -t lines < <(command "$program" __complete "${args[@]}" 2>/dev/null)
    fi
    if (( ${#lines[@]} )) && [[ ${lines[-1]} =~ ^:[0-9]+$ ]]; then
        directive=${lines[-1]#:}
        unset 'lines[-1]'
    fi
    (( directive & 1 )) && return 0
    if (( ${#args[@]} == 1 )) && [[ audit == "$cur"* ]]; then
        lines+=(audit)
    fi
    [[ $cur == -*=* ]] && cur=${cur#*=}  # bash replaces only what follows the `=`
    for line in "${lines[@]}"; do
        line=${line%%$'\t'*}  # bash cannot show descriptions
        [[ -n $line && $line == "$cur"* ]] && candidates+=("$line")
    done
    if (( directive & 16 )); then
        mapfile -t COMPREPLY < <(compgen -d -- "$cur")
        return 0
    fi
    COMPREPLY=("${candidates[@]}")
    if [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
        # bash replaces only what follows the last `:` (pulumi's config keys have one).
        local colon_prefix=${cur%"${cur##*:}"}
        COMPREPLY=("${COMPREPLY[@]#"$colon_prefix"}")
    fi
    (( directive & 2 )) && compopt -o nospace 2>/dev/null
    if (( ${#COMPREPLY[@]} == 0 && (directive & 4) == 0 )); then
        compopt -o default 2>/dev/null  # nothing to offer: let bash complete file names
    fi
    return 0
}

complete -F _pulumi_audited_complete pulumi-audited

_pulumi_audited_register_alias() {
    local definition
    definition=$(alias pulumi 2>/dev/null) || return 0
    definition=${definition#*=}
    definition=${definition//\'/}
    definition=${definition%% *}
    if [[ ${definition##*/} == pulumi-audited ]]; then
        complete -F _pulumi_audited_complete pulumi
    fi
}
_pulumi_audited_register_alias
unset -f _pulumi_audited_register_alias
