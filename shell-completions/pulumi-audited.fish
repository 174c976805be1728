# Completion for pulumi-audited, and for pulumi where pulumi is an alias of pulumi-audited.
# Generated from the click application by `make completions`; do not edit.
# Words after `audit` are completed by `pulumi-audited audit __complete-audit`, every other
# word by pulumi's own completion (`pulumi-audited __complete`, which runs pulumi's).

function __pulumi_audited_prepare
    # Fills $__pulumi_audited_candidates; false when fish should complete file names instead.
    set -g __pulumi_audited_candidates
    set -l tokens (commandline -opc)
    set -l current (commandline -ct)
    set -l program $tokens[1]
    if test (string replace -r '.*/' '' -- "$program") != pulumi-audited
        set program pulumi-audited
    end
    set -l args $tokens[2..-1] $current
    set -l lines
    if test (count $args) -gt 1; and test "$args[1]" = audit
        set lines (command $program audit __complete-audit -- $args[2..-1] 2>/dev/null)
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
    if test (count $args) -eq 1; and string match -q -- "$current*" audit
        set -a lines "audit"\t"Read the pulumi-audited log: who ran what, where, and how..."
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

complete -c pulumi-audited -e
complete -c pulumi-audited -f -n __pulumi_audited_prepare -a '$__pulumi_audited_candidates'

# `alias pulumi pulumi-audited` makes a function that wraps pulumi-audited, so fish already completes
# it like pulumi-audited; a hand-written function that calls pulumi-audited needs registering.
if functions -q pulumi; and not complete -c pulumi | string match -q '*__pulumi_audited*'
    set -l __pulumi_audited_body (functions pulumi | string collect)
    if string match -qr -- 'pulumi-audited' "$__pulumi_audited_body"
        and not string match -qr -- '--wraps[= ]\'?pulumi-audited' "$__pulumi_audited_body"
        complete -c pulumi -f -n __pulumi_audited_prepare -a '$__pulumi_audited_candidates'
    end
end
