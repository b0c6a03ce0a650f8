# OWL 2 RL prp-spo2 for chains of two properties (the only length the ontology uses; chain-length.rq makes
# compile fail on any other length rather than drop its entailments).
# handles: owl:propertyChainAxiom
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT { ?x ?p ?z } WHERE {
  ?p owl:propertyChainAxiom ?list .
  ?list rdf:first ?p1 ; rdf:rest ?rest . ?rest rdf:first ?p2 ; rdf:rest rdf:nil .
  ?x ?p1 ?y . ?y ?p2 ?z
}
