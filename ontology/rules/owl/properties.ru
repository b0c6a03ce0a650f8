# OWL 2 RL prp-dom, prp-rng, prp-spo1: the subject of a property with a domain is a member of it, its object a
# member of the range, and a statement with a subproperty also holds with the superproperty.
# handles: rdfs:domain rdfs:range rdfs:subPropertyOf
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT { ?x a ?c } WHERE { ?p rdfs:domain ?c . ?x ?p ?y } ;
INSERT { ?y a ?c } WHERE { ?p rdfs:range ?c . ?x ?p ?y . FILTER (!isLiteral(?y)) } ;
INSERT { ?x ?p2 ?y } WHERE { ?p1 rdfs:subPropertyOf ?p2 . FILTER (!sameTerm(?p1, ?p2)) ?x ?p1 ?y }
