# OWL 2 RL prp-fp, eq-sym, eq-trans, eq-rep-s, eq-rep-p, eq-rep-o: two values of a functional property are the
# same individual, and whatever holds of one holds of the other. Reflexive owl:sameAs (eq-ref) is left out:
# it says nothing, and probgraph drops it from owlrl's closure too; eq-rep on owl:sameAs statements
# themselves only restates what eq-sym and eq-trans derive, so it is skipped.
# handles: owl:FunctionalProperty owl:sameAs
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
INSERT { ?y1 owl:sameAs ?y2 } WHERE { ?p a owl:FunctionalProperty . ?x ?p ?y1 , ?y2 . FILTER (!sameTerm(?y1, ?y2)) } ;
INSERT { ?y owl:sameAs ?x } WHERE { ?x owl:sameAs ?y } ;
INSERT { ?x owl:sameAs ?z } WHERE { ?x owl:sameAs ?y . ?y owl:sameAs ?z . FILTER (!sameTerm(?x, ?z)) } ;
INSERT { ?s2 ?p ?o } WHERE { ?s owl:sameAs ?s2 . ?s ?p ?o . FILTER (!sameTerm(?p, owl:sameAs)) } ;
INSERT { ?s ?p2 ?o } WHERE { ?p owl:sameAs ?p2 . ?s ?p ?o } ;
INSERT { ?s ?p ?o2 } WHERE { ?o owl:sameAs ?o2 . ?s ?p ?o . FILTER (!sameTerm(?p, owl:sameAs)) }
