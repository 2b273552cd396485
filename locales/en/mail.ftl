# Mail: subjects and bodies.
