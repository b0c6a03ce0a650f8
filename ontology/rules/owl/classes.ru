# OWL 2 RL cax-sco: a member of a class is a member of its superclasses.
# handles: rdfs:subClassOf
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT { ?x a ?c2 } WHERE { ?c1 rdfs:subClassOf ?c2 . FILTER (!sameTerm(?c1, ?c2)) ?x a ?c1 }
