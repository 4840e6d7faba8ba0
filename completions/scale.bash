# bash completion for scale. Install one of:
#   scale completion bash > ~/.local/share/bash-completion/completions/scale
#   echo 'source <(scale completion bash)' >> ~/.bashrc
# Candidates come from `scale __complete`, so kinds and instance names are live.
_scale() {
    local IFS=$'\n'
    local cur="${COMP_WORDS[COMP_CWORD]}"
    COMPREPLY=($("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:$COMP_CWORD}" 2>/dev/null))
    if [ ${#COMPREPLY[@]} -eq 0 ] && [ "${COMP_WORDS[COMP_CWORD-1]}" = "--" ]; then
        COMPREPLY=($(compgen -c -- "$cur"))
    fi
}
complete -F _scale scale ./scale
