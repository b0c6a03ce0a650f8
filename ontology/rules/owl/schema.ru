# OWL 2 RL schema rules (scm-cls, scm-op, scm-dp, scm-sco, scm-spo): every class is a subclass of itself and
# every property a subproperty of itself (stored queries match "?class rdfs:subClassOf pg:Organisation" and
# expect pg:Organisation among the answers), and both hierarchies are transitive.
# handles: rdfs:subClassOf rdfs:subPropertyOf
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT { ?c rdfs:subClassOf ?c } WHERE { ?c a owl:Class } ;
INSERT { ?p rdfs:subPropertyOf ?p } WHERE { ?p a ?kind . FILTER (?kind IN (owl:ObjectProperty, owl:DatatypeProperty)) } ;
INSERT { ?a rdfs:subClassOf ?c } WHERE { ?a rdfs:subClassOf ?b . ?b rdfs:subClassOf ?c } ;
INSERT { ?a rdfs:subPropertyOf ?c } WHERE { ?a rdfs:subPropertyOf ?b . ?b rdfs:subPropertyOf ?c }
