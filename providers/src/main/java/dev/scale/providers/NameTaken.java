package dev.scale.providers;

import dev.scale.errors.ExitCode;
import dev.scale.errors.ScaleException;

/**
 * The name is another instance's, found at the moment of creating it (Docker's container name, the embedded
 * instance's directory): the one atomic check there is. A name the user gave is then refused; a name scale
 * chose is replaced by the next free one, so that parallel {@code up}s of one kind all succeed.
 */
public final class NameTaken extends ScaleException {
    private static final long serialVersionUID = 1L;
    private final String name;

    public NameTaken(String name) {
        super(ExitCode.USAGE, "an instance named '" + name + "' already exists",
                "choose another --name, or remove it with: scale down " + name, null);
        this.name = name;
    }

    public String name() {
        return name;
    }
}
