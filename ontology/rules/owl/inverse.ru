# OWL 2 RL prp-inv1, prp-inv2: a statement with a property holds backwards with its inverse.
# handles: owl:inverseOf
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT { ?y ?q ?x } WHERE { ?p owl:inverseOf ?q . ?x ?p ?y . FILTER (!isLiteral(?y)) } ;
INSERT { ?y ?p ?x } WHERE { ?p owl:inverseOf ?q . ?x ?q ?y . FILTER (!isLiteral(?y)) }
