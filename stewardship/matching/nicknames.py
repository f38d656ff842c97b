"""Given names and their diminutives, nicknames and spelling variants (English, French, German, Spanish, Italian).

Each line of ``_GROUPS`` is one name family: ``formal name: variant variant ...``. Names are written folded (lower
case, no accents), as :func:`stewardship.domains.fold` returns them. A variant may sit in several families ("alex" is
Alexander, Alexandra and Alexis; "chris" is Christopher, Christine and Christian): :func:`name_groups` returns every
family a name belongs to, and two names are nickname-equivalent when their families intersect.

Translations across languages (John / Giovanni / Juan) are deliberately *not* grouped: the same customer keeps the
same name across a retailer's systems, while Juan and John at one address are more likely two people. Spelling
variants that systems produce for one person (Steven / Stephen, Katharina / Catherine, Zoe / Zoé) are grouped.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA

_GROUPS = """
aaron: ron ronnie
abel: abe
abigail: abby abbie abbey gail gayle nabby
abraham: abe bram abram
adam: addy ade
adelaide: addie adele della heidi
adeline: addie addy aline
adolf: dolf adi
adrian: ade adie
adriana: adri
adrienne: adri
agatha: aggie
agnes: aggie nessa nessie ines
albert: al bert bertie albie berti
alberto: beto tito
alexander: alex alec alek lex lexi sandy sander xander sasha sacha alexandr
alexandra: alex alexa lexi lexie sandra sandy sasha sacha xandra ali
alexandre: alex alexis
alexis: alex lexi
alfred: al alf alfie fred freddie freddy
alfredo: fredo alfie
alice: allie ally ali alicia
alison: ali allie ally allison alyson
amanda: mandy manda amy
amelia: millie mila emmy amy meli
anastasia: ana annie stacy stacey tasia asia
andrea: andi andie drea
andreas: andi andy andre
andrew: andy drew andie
angela: angie angel angelica
angelika: angie geli
ann: annie nan nancy nannie nanny anne
anna: annie anni anja ana nan
anne: annie nan nancy ann annette
annemarie: anne marie annemie
anthony: tony ant anton antony
antoine: toine tony
antonia: toni tonia tonie
antonio: tony toni nino toto tonio
anton: toni tony
antonella: nella
archibald: archie archy
arnold: arnie arne
arthur: art artie
augustine: gus austin
augustus: gus gussie august
barbara: barb barbie babs bab barbra bobbie
bartholomew: bart bat bartie
beatrice: bea trixie beatrix bee
beatriz: bea bety
benedict: ben benny bennie
benjamin: ben benny benji benjie bennie jamie
bernadette: bernie detta
bernard: bernie barney bernd
bernhard: bernd bernie
beverly: bev
bradley: brad
brian: bri bryan brien
bridget: biddy bridie brigid brigitte birgit
brigitte: gitte biggi britt
caroline: carrie caro carol callie lina carolyn
carlos: carlitos charly
catherine: cathy kathy kate katie kat cat cate kitty kay katharine kathryn katherine catharine cathryn kathleen
charles: charlie chuck chas chaz chip carl charley
charlotte: lottie lotte charlie lotta carla
christian: chris christie kris
christina: chris chrissy tina kristina christine kristin kris chrissie
christine: chris chrissy tina christina kristine kris
christoph: chris stoffel
christopher: chris kit topher kris christoph cristopher
claudia: claudi
clement: clem
clifford: cliff
constance: connie
cornelius: neil con corny
cynthia: cindy cyndi
daniel: dan danny dani
daniela: dani dany ela
daniella: dani
danielle: dani dany
david: dave davy davie dai
deborah: debbie debby deb debra
delphine: delphi
denise: denny
dennis: den denny
diana: di dee
dolores: lola lolita dolly
dominic: dom nick nicky dominik
dominique: dom
donald: don donnie donny
dorothea: dora doris thea dorothy dot
dorothy: dot dottie dolly dora
douglas: doug
edgar: ed eddie ned
edith: edie edy
edmund: ed eddie ned ted
eduardo: edu lalo
edward: ed eddie eddy ned ted teddy ward
eleanor: ellie nell nellie nora ella elly eleanore elinor
elena: ele lena
elisabeth: lisa liesel lis lisbeth elise betti sisi lilly elsa else elisa ilse liz elizabeth
elizabeth: liz lizzie lizzy beth betsy betty bess bessie eliza elsie libby lisa liza lil lily elisabeth ellie
ellen: ellie nell nellie
emanuel: manny manuel
emilia: emmy emi mila milly
emily: em emmy millie emmie emilie
emma: em emmy emmi
ernest: ernie
ernst: erni
esther: essie hetty
eugene: gene
eugenia: genie jenny
evangeline: eva vangie
evelyn: evie eve lynn
ezekiel: zeke
ferdinand: ferdi fred nando
fernando: nando fer
florence: flo flossie florrie
frances: fran frankie fanny franny francie
francesca: fran franca frankie cesca
francesco: franco checco cesco
francis: frank frankie fran
francisco: paco pancho cisco curro fran
francois: franck
francoise: fanfan francette
frank: frankie franz
franz: franzi
frederick: fred freddie freddy fritz rick fredrick frederic
friedrich: fritz fred friedel
gabriel: gabe gabi
gabriela: gabi gaby ela
gabriele: gabi gaby
gabrielle: gabi gaby elle
geoffrey: geoff jeff
george: georgie geordie
georg: schorsch jorg
georgina: georgie gina
gerald: gerry jerry
geraldine: gerry jerry dina
gerard: gerry jerry
gerhard: gerd hardy
gertrude: gertie trudy trudi
gilbert: gil bert
giovanni: gianni vanni nanni
giuseppe: beppe peppe pino bepi
giuseppina: pina peppa
gregory: greg
gretchen: grete margarete
guadalupe: lupe lupita
guillaume: guy
guillermo: memo guille
gustav: gustl gus
hannah: hanna hanni
harold: hal harry
harriet: hattie harry
heinrich: heinz heini henrik hinnerk
helen: nell nellie ellen helena lena
helena: lena helen
henrietta: hetty etta henny
henry: hank harry hal
herbert: herb bert herbie
hubert: bert hugh
hugh: hughie hugo
ignacio: nacho nacio
isaac: ike zac
isabel: isa bel bella izzy isabelle isobel
isabella: bella izzy isa ella
isabelle: isa bella izzy
jacob: jake jack jacky jakob kobe
jacqueline: jackie jacqui jacky
jakob: jake kobi
james: jim jimmy jamie jem jimmie
jane: janie jenny jean janet
janet: jan jane jenny nettie
jean: jeannie jeanne
jeanne: jeannette jeannine
jennifer: jen jenny jenn jennie jenna
jeremiah: jerry jeremy
jeremy: jerry jez
jerome: jerry
jessica: jess jessie jessi
joachim: jo achim jochen
joan: joanie jo
joanna: jo jo anna joanne jojo
johanna: jo hanna hanne hanni jana
johannes: hans jo hannes johann jan john
john: jack johnny jon jonny jock
jonathan: jon jonny nathan jonathon
jose: pepe chepe
josefina: pepita fina
joseph: joe joey jo jos jose jozef josef
josephine: jo josie fifi pheny josefine
joshua: josh
judith: judy jude jutta
julia: julie jules
julian: jules julien
julie: jules
karl: kalle charly
katharina: kathi kati katja kathrin trina katrin nina catherine katharine
kathleen: kathy kate kathie kay
kenneth: ken kenny
kimberly: kim kimmy
konrad: conny kurt
lawrence: larry laurie lorne laurence
leonard: len lenny leo leon
leonardo: leo nardo
leonhard: leo lenz
leopold: leo poldi
lewis: lew lou louis
lorenzo: enzo renzo
louis: lou louie lewis luis ludwig
louise: lou lulu louisa luise
lucas: luke lukas
lucia: lucy lucie luz
lucinda: lucy cindy
ludwig: lutz lu
luigi: gigi gino
luis: lucho
magdalena: lena magda leni madlen
madeline: maddie maddy madeleine madelyn lena
manuel: manolo manu manny
margaret: maggie meg peggy marge margie madge daisy greta rita molly peg maisie margo margot marjorie
margarete: grete gretel greta margit maggie marga
marguerite: margot maggy
maria: mary mia mari mariela mimi marie ria
marie: mary mia mimi marie
mary: molly polly mae mamie mimi maria marie may
matilda: tilly tilda mattie maud
mathilde: tilde tilly
matthew: matt matty mat
matthias: matze hias matt mathias matthaeus
maximilian: max maxi maxim
maximiliano: max maxi
melissa: mel missy lissa
michael: mike mickey mick mikey micha michel mikael micky
michaela: micha michi ela
michele: lele
michelle: shelly michele
mildred: millie milly
miriam: mimi mitzi miri
monica: mona monika
nancy: nan ann anne
natalie: nat natty talia natalia nathalie
nathaniel: nate nat nathan
nicholas: nick nicky nico klaus nicolas nikolaus colin niklas
nicola: nicky nico nikki
nicole: nicky nikki cole
nikolaus: klaus niko nick nils
oliver: ollie olly
olivia: liv livvy ollie olive
oswald: ozzy ossie
pamela: pam pammy
patricia: pat patty patsy tricia trish trisha
patrick: pat paddy rick ricky
paul: paulie
paula: pauline
penelope: penny nell
peter: pete petey
philip: phil pip philipp phillip
philippa: pippa pip
prudence: prue pru
rachel: rach rachael raquel
randolph: randy
raphael: rafa raffi rafael rafe
raymond: ray
rebecca: becky becca bec rebekah
reginald: reg reggie
richard: dick rick ricky rich richie
robert: bob bobby rob robbie bert bertie rab
roberta: bobbie robbie berta
roberto: rob beto tito
rodney: rod
roger: rog
ronald: ron ronnie ronny
rosalind: ros rosie roz
rosemary: rose rosie
rudolf: rudi rolf dolf ruedi
samantha: sam sammy sammie
samuel: sam sammy sammie
sarah: sally sadie sara
sebastian: seb sebi bastian basti
sebastien: seb bastien
stanley: stan
stephanie: steph stephie steffi stefanie
stephen: steve stevie steven steph stefan stephan
steven: steve stevie stephen
susan: sue susie suzy suzanne sukey
susanne: susi sanne susanna suzanne
suzanne: suzie sue
sylvia: syl silvia
teresa: terry tess tessa tessie tracy theresa therese resi
theodore: ted teddy theo
theresa: terry tess tessa resi reserl teresa
thomas: tom tommy thom tomas
timothy: tim timmy
tobias: toby tobi
ulrich: uli ulli
valentina: vale tina valli
valentine: val
veronica: ronnie vera nica veronika
victor: vic vick
victoria: vicky vickie tori vic vicki
vincent: vince vinnie vin
vincenzo: enzo vince
virginia: ginny ginger
vivian: viv
walter: walt wally
wilhelm: willi willy helm wim
wilhelmina: mina willa minnie wilma
william: will bill billy willy liam willie wills
winifred: winnie fred freda
wolfgang: wolf wolfi
yvonne: vonnie
zachary: zach zack zac
zoe: zoey zoee
alejandro: alex ale jandro
alejandra: alex ale jandra
andres: andy
antonia: toni
beatrice: bice
cristina: cris tina
dolores: lola
enrique: quique kike enri
federico: fede
gonzalo: gonza
graciela: chela
guadalupe: lupe
jesus: chucho chuy
josefa: pepa
juan: juanito juanjo
leonor: nora
manuela: manu manuelita
mercedes: merche meche
rafael: rafa rafi
ramon: moncho
rosario: charo chayo
santiago: santi yago
alessandra: ale sandra
alessandro: ale sandro
beatrice: bea
caterina: cate rina
domenico: mimmo
elisabetta: betta elisa lisa
filippo: pippo
gianfranco: franco
giacomo: giaco mino
giovanna: gianna vanna
salvatore: toto turi
tommaso: tommy maso
aurelie: lili
benoit: ben
capucine: capu
emmanuel: manu
emmanuelle: manu
guillemette: guigui
jacques: jacquot jack
jean-baptiste: jb
jeanne: jeannette nane
josephine: jojo fifine
laurence: lolo
marguerite: margot
nathalie: nat natty
philippe: phil
sophie: so soso
stephane: steph
valerie: val
anneliese: anne liese lisa
burkhard: burki
dietrich: dieter
elfriede: friedel elfi
franziska: franzi fanny
gottfried: friedel
hans-peter: hape
hildegard: hilde
ingeborg: inge
jurgen: jurg
margarethe: grete
reinhard: reini
siegfried: siggi
waltraud: traudl walli
"""


def _parse(table: str) -> dict[str, frozenset[str]]:
    groups: dict[str, set[str]] = {}
    for line in table.strip().splitlines():
        formal, _, rest = line.partition(":")
        formal = formal.strip()
        for name in {formal, *rest.split()}:
            groups.setdefault(name, set()).add(formal)
    return {name: frozenset(formals) for name, formals in groups.items()}


NAME_GROUPS: dict[str, frozenset[str]] = _parse(_GROUPS)


@lru_cache(maxsize=65536)
def name_groups(folded_name: str) -> tuple[str, ...]:
    """The name families a folded given name belongs to, sorted; the name itself when it is in no family.

    Only the first word counts ("mary ann" is looked up as "mary"); hyphenated names are looked up whole first.
    """
    if not folded_name:
        return ()
    if folded_name in NAME_GROUPS:
        return tuple(sorted(NAME_GROUPS[folded_name]))
    first = folded_name.replace("-", " ").split()[0]
    # Umlauts spelt out ("juergen", as ``normalise.fold_spelt_out`` writes Jürgen) where the table has them folded.
    collapsed = first.replace("ae", "a").replace("oe", "o").replace("ue", "u")
    found = NAME_GROUPS.get(first) or NAME_GROUPS.get(collapsed) or _one_typo_from(first)
    return tuple(sorted(found or frozenset({first})))


def _one_typo_from(name: str) -> frozenset[str]:
    """The families of the one name in the table a single typo away (an edit or two neighbours swapped: "olviia" is
    Olivia, so Ollie too; "msry" is Mary), for names of four letters or more; nothing when none or several are that
    close ("marla": Carla, Maria or Marta?)."""
    if len(name) < 4:
        return frozenset()
    close = process.extract(name, _NAMES, scorer=OSA.distance, score_cutoff=1, limit=2)
    return NAME_GROUPS[close[0][0]] if len(close) == 1 else frozenset()


_NAMES = [name for name in NAME_GROUPS if len(name) >= 4]


def are_nicknames(a: str, b: str) -> bool:
    """True when two folded given names share a name family (Bob and Robert, Liz and Elisabeth)."""
    return bool(set(name_groups(a)) & set(name_groups(b)))
