// GET /verify – public verification of a downloaded datum, in the visitor's browser
import { VerifyDrop } from "@/components/provenance/verify-drop";

export default function VerifyPage() {
  return <VerifyDrop />;
}
