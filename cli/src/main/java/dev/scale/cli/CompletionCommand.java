package dev.scale.cli;

import dev.scale.errors.ScaleException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "completion", mixinStandardHelpOptions = true,
        description = {"Print a shell completion script. Kinds and instance names complete from live state."},
        footer = {"", "Install:",
                "  bash:  scale completion bash > ~/.local/share/bash-completion/completions/scale",
                "  zsh:   scale completion zsh > \"${fpath[1]}/_scale\"",
                "  fish:  scale completion fish > ~/.config/fish/completions/scale.fish"})
final class CompletionCommand implements Callable<Integer> {
    @ParentCommand
    ScaleCommand parent;

    @Parameters(paramLabel = "SHELL", description = "bash, zsh or fish")
    String shell;

    @Override
    public Integer call() throws IOException {
        if (!shell.matches("bash|zsh|fish")) {
            throw ScaleException.usage("no completion for '" + shell + "'", "use bash, zsh or fish");
        }
        try (InputStream in = CompletionCommand.class.getResourceAsStream("completion/scale." + shell)) {
            parent.context().out().print(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
        parent.context().out().flush();
        return 0;
    }
}
