package dev.valjean.console;

import java.util.List;

import dev.valjean.auth.Role;

/**
 * What every console page shows around its content: the title, who is signed in (null on the
 * sign-in pages), the navigation their role may open, breadcrumbs, the CSRF token for its forms,
 * and the fingerprinted assets.
 */
public record Frame(String title, String personName, Role role, String csrf, List<Crumb> crumbs, String section, Assets assets) {

    public record Crumb(String label, String url) {
    }

    /** The URLs of the console's stylesheet and script, with a content fingerprint so they can be cached for a year. */
    public record Assets(String css, String htmx) {
    }

    public boolean signedIn() {
        return personName != null;
    }

    public boolean writes() {
        return role == Role.ADMIN || role == Role.EDITOR;
    }

    public boolean sells() {
        return role == Role.ADMIN || role == Role.SALES;
    }

    public boolean admin() {
        return role == Role.ADMIN;
    }

    public boolean current(String name) {
        return name.equals(section);
    }
}
