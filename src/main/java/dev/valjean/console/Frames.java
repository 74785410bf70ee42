package dev.valjean.console;

import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.RequestScoped;

import dev.valjean.auth.Caller;
import dev.valjean.auth.ConsoleRequest;

/** Builds the {@link Frame} of the current console request. */
@RequestScoped
public class Frames {

    private final Caller caller;
    private final ConsoleRequest request;
    private final AssetsPage assets;

    public Frames(Caller caller, ConsoleRequest request, AssetsPage assets) {
        this.caller = caller;
        this.request = request;
        this.assets = assets;
    }

    /** A page's frame: its title, its section in the navigation, and breadcrumbs as label/url pairs (the last one without url). */
    public Frame of(String title, String section, String... crumbs) {
        List<Frame.Crumb> trail = new ArrayList<>();
        for (int i = 0; i + 1 < crumbs.length; i += 2) {
            trail.add(new Frame.Crumb(crumbs[i], crumbs[i + 1]));
        }
        if (crumbs.length % 2 == 1) {
            trail.add(new Frame.Crumb(crumbs[crumbs.length - 1], null));
        }
        return new Frame(title, caller.personId() == null ? null : caller.name(), caller.role(), request.csrfToken(), trail, section,
                assets.urls());
    }
}
