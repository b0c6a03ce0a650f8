# Territorial succession (issue 13): a territorial change is followed by the next change of the same area that
# starts where it ended. Run after the OWL 2 RL closure; queries follow pg:nextChange* to keep to one area.
PREFIX pg: <https://w3id.org/probgraph/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
INSERT { ?earlier pg:nextChange ?later }
WHERE {
  ?earlier a pg:TerritorialChange ; dcterms:spatial ?area ; org:resultingOrganization ?via ; pg:date ?d1 .
  ?later a pg:TerritorialChange ; dcterms:spatial ?area ; org:originalOrganization ?via ; pg:date ?d2 .
  FILTER (STR(?d1) < STR(?d2))
}
