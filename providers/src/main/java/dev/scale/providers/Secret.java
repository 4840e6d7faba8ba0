package dev.scale.providers;

import java.security.SecureRandom;
import java.util.Objects;

/** A credential that never shows itself by accident: {@link #toString()} redacts, {@link #reveal()} is explicit. */
public final class Secret {
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();
    /** 24 characters of a 62-letter alphabet: log2(62^24) is about 142.9 bits. */
    private static final int LENGTH = 24;

    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value);
    }

    public static Secret of(String value) {
        return new Secret(value);
    }

    /** A fresh password from {@link SecureRandom}, using only URL- and shell-safe characters. */
    public static Secret random() {
        char[] chars = new char[LENGTH];
        for (int i = 0; i < LENGTH; i++) {
            chars[i] = ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length()));
        }
        return new Secret(new String(chars));
    }

    public String reveal() {
        return value;
    }

    /** No credential: a kind that authenticates nobody (memcached without SASL). */
    public static Secret none() {
        return new Secret("");
    }

    public boolean isEmpty() {
        return value.isEmpty();
    }

    /** {@code text} with this secret replaced by {@code ****}; unchanged when there is no secret. */
    public String redactIn(String text) {
        return value.isEmpty() ? text : text.replace(value, "****");
    }

    @Override
    public String toString() {
        return "****";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
