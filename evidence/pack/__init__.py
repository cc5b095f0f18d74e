"""The panel pack: building it (:mod:`.build`), its files and deterministic ZIP (:mod:`.archive`), its report
(:mod:`.report`, :mod:`.pdf`) and the proofs it carries (:mod:`.proofs`). Checking a pack is
:mod:`evidence.verify.pack`, which shares no code with this package."""
