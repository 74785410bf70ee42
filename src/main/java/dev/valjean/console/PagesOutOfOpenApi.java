package dev.valjean.console;

import java.util.List;

import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;

import io.quarkus.smallrye.openapi.OpenApiFilter;

/** The console's HTML pages are not part of the API a client is generated from. */
@OpenApiFilter(OpenApiFilter.RunStage.BUILD)
public class PagesOutOfOpenApi implements OASFilter {

    @Override
    public void filterOpenAPI(OpenAPI api) {
        if (api.getPaths() == null || api.getPaths().getPathItems() == null) {
            return;
        }
        List<String> pages = api.getPaths().getPathItems().keySet().stream().filter(p -> p.equals("/") || p.startsWith("/console")).toList();
        pages.forEach(api.getPaths()::removePathItem);
    }
}
