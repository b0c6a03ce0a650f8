# OWL 2 RL: declarations and annotations. Their only OWL 2 RL entailments are schema triples, written in
# schema.ru (scm-cls, scm-op, scm-dp), or none at all.
# handles: owl:Class owl:ObjectProperty owl:DatatypeProperty owl:AnnotationProperty owl:Ontology owl:versionInfo
# handles: rdfs:label rdfs:comment rdfs:seeAlso rdfs:isDefinedBy
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
