# fish completion for scale. Install:
#   scale completion fish > ~/.config/fish/completions/scale.fish
# Candidates come from `scale __complete`, so kinds and instance names are live.
function __scale_complete
    set -l tokens (commandline -opc) (commandline -ct)
    $tokens[1] __complete $tokens[2..-1] 2>/dev/null
end
complete -c scale -f -a '(__scale_complete)'
