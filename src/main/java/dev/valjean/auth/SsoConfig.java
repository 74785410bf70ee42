package dev.valjean.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** How single sign-on people get their role ({@code valjean.console.sso.*}). */
@ConfigMapping(prefix = "valjean.console.sso")
public interface SsoConfig {

    /** The ID-token claim that holds the person's Valjean role (a string or a list; ADMIN, EDITOR or SALES, any case). */
    @WithDefault("valjean_role")
    String roleClaim();
}
