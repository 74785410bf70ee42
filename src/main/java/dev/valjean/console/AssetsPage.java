package dev.valjean.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

import jakarta.inject.Singleton;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;

import dev.valjean.auth.PublicEndpoint;

/**
 * The console's stylesheet and htmx (from its WebJar), served by the application under a name
 * that carries a fingerprint of the content, so browsers keep them for a year and a new release
 * is fetched at once.
 */
@Path("/console/assets")
@PublicEndpoint
@Singleton
public class AssetsPage {

    private static final String HTMX = "META-INF/resources/webjars/htmx.org/2.0.7/dist/htmx.min.js";

    private record Asset(byte[] content, String type) {
    }

    private final Map<String, Asset> assets;
    private final Frame.Assets urls;

    public AssetsPage() {
        byte[] css = read("console/console.css");
        byte[] htmx = read(HTMX);
        String cssName = "console." + fingerprint(css) + ".css";
        String htmxName = "htmx-2.0.7." + fingerprint(htmx) + ".js";
        this.assets = Map.of(cssName, new Asset(css, "text/css; charset=utf-8"), htmxName,
                new Asset(htmx, "text/javascript; charset=utf-8"));
        this.urls = new Frame.Assets("/console/assets/" + cssName, "/console/assets/" + htmxName);
    }

    public Frame.Assets urls() {
        return urls;
    }

    @GET
    @Path("{name}")
    public Response asset(@PathParam("name") String name) {
        Asset asset = assets.get(name);
        if (asset == null) {
            return Response.status(404).build();
        }
        return Response.ok(asset.content(), asset.type()).header("Cache-Control", "public, max-age=31536000, immutable")
                .header("X-Content-Type-Options", "nosniff").build();
    }

    private static byte[] read(String resource) {
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("The console asset " + resource + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String fingerprint(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
