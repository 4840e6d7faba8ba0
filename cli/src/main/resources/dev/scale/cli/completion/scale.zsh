#compdef scale
# zsh completion for scale. Install one of:
#   scale completion zsh > "${fpath[1]}/_scale"      (then restart zsh)
#   echo 'source <(scale completion zsh)' >> ~/.zshrc  (after compinit)
# Candidates come from `scale __complete`, so kinds and instance names are live.
_scale() {
    local -a candidates
    candidates=("${(@f)$(${words[1]} __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
    candidates=(${candidates:#})
    compadd -Q -a candidates
}
if [ "$funcstack[1]" = "_scale" ]; then
    _scale "$@"
else
    compdef _scale scale
fi
