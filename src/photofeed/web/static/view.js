// Pages for visitors who are not signed in: placeholders and carousels, nothing else.
import { enhance } from "./enhance.js";

enhance(document);
