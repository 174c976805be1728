"""The shell scripts, with @NAME@ placeholders that the generator fills from the click app.

Every script does the same thing: for `PROGRAM audit WORDS...` it asks
`PROGRAM audit __complete-audit -- WORDS...`, for anything else `PROGRAM __complete WORDS...`
(cobra's protocol, which the shim hands to the real pulumi). Both answer in cobra's format:
one `candidate[TAB description]` per line, then `:DIRECTIVE`.
"""

HEADER = """\
@COMMENT@ Completion for @PROGRAM@, and for @ALIAS@ where @ALIAS@ is an alias of @PROGRAM@.
@COMMENT@ Generated from the click application by `make completions`; do not edit.
@COMMENT@ Words after `@VIEWER@` are completed by `@PROGRAM@ @VIEWER@ @HELPER@`, every other
@COMMENT@ word by pulumi's own completion (`@PROGRAM@ __complete`, which runs pulumi's).
"""

BASH = """\
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
    [[ ${program##*/} == @PROGRAM@ ]] || program=@PROGRAM@
    args=("${words[@]:1}" "$cur")
    if [[ ${args[0]} == @VIEWER@ && ${#args[@]} -gt 1 ]]; then
        mapfile -t lines < <(command "$program" @VIEWER@ @HELPER@ -- "${args[@]:1}" 2>/dev/null)
    else
        mapfile -t lines < <(command "$program" __complete "${args[@]}" 2>/dev/null)
    fi
    if (( ${#lines[@]} )) && [[ ${lines[-1]} =~ ^:[0-9]+$ ]]; then
        directive=${lines[-1]#:}
        unset 'lines[-1]'
    fi
    (( directive & 1 )) && return 0
    if (( ${#args[@]} == 1 )) && [[ @VIEWER@ == "$cur"* ]]; then
        lines+=(@VIEWER@)
    fi
    [[ $cur == -*=* ]] && cur=${cur#*=}  # bash replaces only what follows the `=`
    for line in "${lines[@]}"; do
        line=${line%%$'\\t'*}  # bash cannot show descriptions
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

complete -F _pulumi_audited_complete @PROGRAM@

_pulumi_audited_register_alias() {
    local definition
    definition=$(alias @ALIAS@ 2>/dev/null) || return 0
    definition=${definition#*=}
    definition=${definition//\\'/}
    definition=${definition%% *}
    if [[ ${definition##*/} == @PROGRAM@ ]]; then
        complete -F _pulumi_audited_complete @ALIAS@
    fi
}
_pulumi_audited_register_alias
unset -f _pulumi_audited_register_alias
"""

ZSH = """\
#compdef @PROGRAM@
@HEADER@
_pulumi_audited() {
    local program=${words[1]} line value last directive=0
    local -a args lines candidates displays suffix
    [[ ${program:t} == @PROGRAM@ ]] || program=@PROGRAM@
    args=("${(@)words[2,CURRENT]}")
    if [[ ${args[1]} == @VIEWER@ ]] && (( ${#args} > 1 )); then
        lines=("${(@f)$(command $program @VIEWER@ @HELPER@ -- "${(@)args[2,-1]}" 2>/dev/null)}")
    else
        lines=("${(@f)$(command $program __complete "${(@)args}" 2>/dev/null)}")
    fi
    last=${lines[-1]}
    if [[ $last == :<-> ]]; then
        directive=${last#:}
        lines[-1]=()
    fi
    (( directive & 1 )) && return 1
    if (( ${#args} == 1 )) && [[ @VIEWER@ == ${args[1]}* ]]; then
        lines+=("@VIEWER@"$'\\t'"@VIEWER_HELP@")
    fi
    local current=${args[-1]}
    if [[ $current == -*=* ]]; then
        compset -P '*='  # the candidates are values for the option before the `=`
        current=${current#*=}
    fi
    for line in "${lines[@]}"; do
        value=${line%%$'\\t'*}
        [[ -n $value && $value == ${current}* ]] || continue
        candidates+=("$value")
        if [[ $line == *$'\\t'* ]]; then
            displays+=("$value  -- ${line#*$'\\t'}")
        else
            displays+=("$value")
        fi
    done
    if (( directive & 16 )); then
        _files -/
        return
    fi
    if (( ${#candidates} == 0 )); then
        (( directive & 4 )) && return 1
        _files  # nothing to offer: complete file names, as cobra's scripts do
        return
    fi
    (( directive & 2 )) && suffix=(-S '')
    compadd -Q -l "${suffix[@]}" -d displays -- "${candidates[@]}"
}

if [[ ${funcstack[1]} == _@PROGRAM@ ]]; then
    # Autoloaded from $fpath: this file is the body of the completion function.
    _pulumi_audited "$@"
else
    (( ${+functions[compdef]} )) || { autoload -Uz compinit && compinit; }
    compdef _pulumi_audited @PROGRAM@
    # With `setopt complete_aliases` zsh completes the alias itself rather than its target.
    if (( ${+aliases[@ALIAS@]} )) && [[ ${${(Az)aliases[@ALIAS@]}[1]:t} == @PROGRAM@ ]]; then
        compdef _pulumi_audited @ALIAS@
    fi
fi
"""

FISH = """\
function __pulumi_audited_prepare
    # Fills $__pulumi_audited_candidates; false when fish should complete file names instead.
    set -g __pulumi_audited_candidates
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l program $tokens[1]
    if test (string replace -r '.*/' '' -- "$program") != @PROGRAM@
        set program @PROGRAM@
    end
    set -l args $tokens[2..-1] $current
    set -l lines
    if test (count $args) -gt 1; and test "$args[1]" = @VIEWER@
        set lines (command $program @VIEWER@ @HELPER@ -- $args[2..-1] 2>/dev/null)
    else
        set lines (command $program __complete $args 2>/dev/null)
    end
    set -l directive 0
    if string match -qr '^:[0-9]+$' -- "$lines[-1]"
        set directive (string sub -s 2 -- $lines[-1])
        set -e lines[-1]
    end
    if test (math "bitand($directive, 1)") -ne 0
        return 0
    end
    if test (count $args) -eq 1; and string match -q -- "$current*" @VIEWER@
        set -a lines "@VIEWER@"\\t"@VIEWER_HELP@"
    end
    # fish replaces the whole token, so `--format=` goes back in front of each value.
    set -l flag_prefix (string match -r -- '^-[^=]*=' "$current"; or echo '')
    for line in $lines
        if test -n "$line"
            set -a __pulumi_audited_candidates $flag_prefix$line
        end
    end
    if test (count $__pulumi_audited_candidates) -gt 0
        return 0
    end
    test (math "bitand($directive, 4)") -ne 0
end

complete -c @PROGRAM@ -e
complete -c @PROGRAM@ -f -n __pulumi_audited_prepare -a '$__pulumi_audited_candidates'

# `alias @ALIAS@ @PROGRAM@` makes a function that wraps @PROGRAM@, so fish already completes
# it like @PROGRAM@; a hand-written function that calls @PROGRAM@ needs registering.
if functions -q @ALIAS@; and not complete -c @ALIAS@ | string match -q '*__pulumi_audited*'
    set -l __pulumi_audited_body (functions @ALIAS@ | string collect)
    if string match -qr -- '@PROGRAM@' "$__pulumi_audited_body"
        and not string match -qr -- '--wraps[= ]\\'?@PROGRAM@' "$__pulumi_audited_body"
        complete -c @ALIAS@ -f -n __pulumi_audited_prepare -a '$__pulumi_audited_candidates'
    end
end
"""

POWERSHELL = """\
$__pulumiAuditedCompleter = {
    param($wordToComplete, $commandAst, $cursorPosition)
    $elements = @($commandAst.CommandElements |
        Where-Object { $_.Extent.StartOffset -lt $cursorPosition } |
        ForEach-Object { $_.Extent.Text })
    $arguments = @($elements | Select-Object -Skip 1)
    if ($wordToComplete -eq '' -or $arguments.Count -eq 0) {
        # Windows PowerShell and pwsh before 7.3 drop an empty argument to a native program.
        if ($PSVersionTable.PSVersion -ge [version]'7.3' -and
            $PSNativeCommandArgumentPassing -ne 'Legacy') { $arguments += '' }
        else { $arguments += '""' }
    }
    if ($arguments.Count -gt 1 -and $arguments[0] -eq '@VIEWER@') {
        $rest = @($arguments | Select-Object -Skip 1)
        $lines = @(& @PROGRAM@ @VIEWER@ @HELPER@ -- @rest 2>$null)
    } else {
        $lines = @(& @PROGRAM@ __complete @arguments 2>$null)
    }
    $directive = 0
    if ($lines.Count -gt 0 -and $lines[-1] -match '^:(\\d+)$') {
        $directive = [int]$Matches[1]
        $lines = @($lines | Select-Object -SkipLast 1)
    }
    if ($directive -band 1) { return }
    if ($arguments.Count -eq 1 -and '@VIEWER@'.StartsWith($wordToComplete)) {
        $lines += "@VIEWER@`t@VIEWER_HELP@"
    }
    $results = foreach ($line in $lines) {
        $value, $description = $line -split "`t", 2
        if (-not $value -or -not $value.StartsWith($wordToComplete)) { continue }
        if (-not $description) { $description = $value }
        if (-not ($directive -band 2)) { $value = "$value " }
        [System.Management.Automation.CompletionResult]::new(
            $value, $value.Trim(), 'ParameterValue', $description)
    }
    if (-not $results -and ($directive -band 4)) {
        # An empty answer would make PowerShell offer file names.
        return [System.Management.Automation.CompletionResult]::new(
            ' ', ' ', 'ParameterValue', ' ')
    }
    $results
}

Register-ArgumentCompleter -Native -CommandName '@PROGRAM@' -ScriptBlock $__pulumiAuditedCompleter
$__pulumiAuditedAlias = Get-Alias -Name '@ALIAS@' -ErrorAction SilentlyContinue
$__pulumiAuditedTarget = if ($__pulumiAuditedAlias) {
    [System.IO.Path]::GetFileNameWithoutExtension($__pulumiAuditedAlias.Definition)
}
if ($__pulumiAuditedTarget -eq '@PROGRAM@') {
    Register-ArgumentCompleter -Native -CommandName '@ALIAS@' -ScriptBlock $__pulumiAuditedCompleter
}
"""

ALIAS_LINES = {
    "bash": "alias @ALIAS@=@PROGRAM@\n",
    "zsh": "alias @ALIAS@=@PROGRAM@\n",
    "fish": "alias @ALIAS@ @PROGRAM@\n",
    "powershell": "Set-Alias -Name @ALIAS@ -Value @PROGRAM@\n",
}

BODIES = {"bash": BASH, "zsh": ZSH, "fish": FISH, "powershell": POWERSHELL}
COMMENT = {"bash": "#", "zsh": "#", "fish": "#", "powershell": "#"}
